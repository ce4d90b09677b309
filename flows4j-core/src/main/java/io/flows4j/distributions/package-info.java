/** Base distributions of flows: log-densities and samples on batches. */
package io.flows4j.distributions;
