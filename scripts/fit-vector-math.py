#!/usr/bin/env python3
"""Fits the polynomial coefficients of io.flows4j.tensor.kernels.VectorMath.

Each fit is a weighted minimax fit (Lawson's iteratively reweighted least squares) of the
*relative* error of the final function value, on a dense grid of Chebyshev-distributed points,
computed in double precision with mpmath-free closed forms (the targets are smooth and the float
results need only ~1e-9 relative accuracy). The printed coefficients are rounded to float32 and
the script then reports the approximation error of the rounded coefficients, evaluated in double.

Usage: python3 scripts/fit-vector-math.py
"""

import numpy as np

LN2 = np.log(2.0)


def cheb_grid(lo, hi, n=20001):
    k = np.arange(n)
    return 0.5 * (lo + hi) + 0.5 * (hi - lo) * np.cos(np.pi * (k + 0.5) / n)


def lawson(basis, target, weight, iters=200):
    """Minimises max |weight * (basis @ c - target)| by Lawson's algorithm."""
    a = basis * weight[:, None]
    b = target * weight
    w = np.ones(len(b)) / len(b)
    c = None
    for _ in range(iters):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
        err = np.abs(a @ c - b)
        w = w * err
        w /= w.sum()
    return c


def fit_expm1():
    # expm1(r) = r + r^2 * P(r) on |r| <= ln2/2; the relative error of expm1 itself is weighted, which
    # also bounds the relative error of exp(r) = 1 + expm1(r) (|expm1(r)| < exp(r) there).
    r = cheb_grid(-LN2 / 2, LN2 / 2)
    r = r[np.abs(r) > 1e-6]
    g = (np.expm1(r) - r) / r**2
    deg = 4
    basis = np.stack([r**k for k in range(deg + 1)], axis=1)
    c = lawson(basis, g, r**2 / np.abs(np.expm1(r)))
    c32 = c.astype(np.float32)
    p = sum(float(c32[k]) * r**k for k in range(deg + 1))
    rel = np.max(np.abs((r + r**2 * p - np.expm1(r)) / np.expm1(r)))
    return c32, rel


def fit_log():
    # log(1+f) = 2s + s R(z), s = f / (2 + f), z = s^2, with R(z) = z (c1 + c2 z + ...); f in
    # [sqrt(1/2) - 1, sqrt(2) - 1]. The weight is s / log(1+f): the error of R is scaled by s in the
    # result.
    smax = (np.sqrt(2) - 1) / (np.sqrt(2) + 1)
    s = cheb_grid(-smax, smax)
    s = s[np.abs(s) > 1e-6]
    z = s * s
    target = (2 * np.arctanh(s) - 2 * s) / s
    deg = 3
    basis = np.stack([z ** (k + 1) for k in range(deg)], axis=1)
    c = lawson(basis, target, np.abs(s / (2 * np.arctanh(s))))
    c32 = c.astype(np.float32)
    rr = sum(float(c32[k]) * z ** (k + 1) for k in range(deg))
    rel = np.max(np.abs((2 * s + s * rr - 2 * np.arctanh(s)) / (2 * np.arctanh(s))))
    return c32, rel


def show(name, c, rel):
    lits = ", ".join(np.format_float_positional(v, unique=True) + "f" for v in c)
    ulps = rel / 2.0**-24
    print(f"{name}: {{{lits}}}  max rel. approximation error {rel:.3g} = {ulps:.3f} half-ulps")


if __name__ == "__main__":
    show("expm1 P", *fit_expm1())
    show("log R", *fit_log())
