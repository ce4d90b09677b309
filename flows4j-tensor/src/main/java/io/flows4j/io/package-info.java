/**
 * File formats: a strict, dependency-free {@link io.flows4j.io.Json} reader and writer (also used
 * for architecture descriptions of model files) and {@link io.flows4j.io.SafeTensors}, named
 * float32 tensors in the safetensors layout, written atomically and validated when read.
 */
package io.flows4j.io;
