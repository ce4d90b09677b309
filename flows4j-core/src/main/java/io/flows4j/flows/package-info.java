/** Flows: a bijector and a base distribution, giving exact densities and samples. */
package io.flows4j.flows;
