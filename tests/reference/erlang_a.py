#!/usr/bin/env python3
"""Reference values for the Erlang C and Erlang A tests (src/kpi/erlang_tests.rs, src/staffing.rs,
tests/staffing_cli.rs), computed independently of callboard's Rust code.

Run: python3 tests/reference/erlang_a.py   (Python 3.8+, standard library only)

Erlang C (M/M/n): the textbook formula from explicit Poisson terms A^k/k!, summed in log space
(math.lgamma), no Erlang B recursion:
    C = (A^n/n! * n/(n-A)) / (sum_{k<n} A^k/k! + A^n/n! * n/(n-A)),
    SL(t) = 1 - C * exp(-(n-A) t / AHT),  ASA = C * AHT / (n-A),  occupancy = A/n.

Erlang A (M/M/n+M): the model of Garnett, Mandelbaum & Reiman (2002), "Designing a Call Center with
Impatient Customers", Manufacturing & Service Operations Management 4(3):208-227: Poisson arrivals
(rate lam), exponential service (rate mu), n agents, and callers who abandon after an exponential
patience (rate theta = 1 / mean patience). Computed here from first principles, in decimal arithmetic
with 60 significant digits, more where an alternating sum below needs them:

  * Stationary law of the birth-death chain, weights relative to the empty state:
        w_j = A^j / j!                                   (j <= n, A = lam/mu)
        w_{n+k} = w_n * prod_{i=1..k} lam / (n mu + i theta)  (k >= 1 callers waiting)
    An arriving caller sees it (PASTA). P(wait) = sum_{k>=0} pi_{n+k}.
  * A caller who finds k callers waiting ahead advances through stages j = k, ..., 0, each lasting
    Exp(r_j) with r_j = n mu + j theta (a service completion or an abandon ahead), while his own
    patience runs out at rate theta. Since r_j + theta = r_{j+1}, the chance of being answered is the
    telescoping product prod_{j=0..k} r_j / r_{j+1} = n mu / (n mu + (k+1) theta).
    Abandonment = sum_k pi_{n+k} * (1 - n mu / (n mu + (k+1) theta)).
    Cross-check printed alongside: GMR's closed form P(Ab | W>0) = 1/(rho E) + 1 - 1/rho with
    rho = lam/(n mu) and E = sum_{k>=0} prod_{i=1..k} lam/(n mu + i theta) (their A(n mu/theta,
    lam/theta), an incomplete-gamma ratio).
  * Answered within t, having waited: with V the offered wait (sum of the stage times) and tau the
    patience, P(V <= t, tau > V) = [n mu / (n mu + (k+1) theta)] * P(V' <= t), where V' is a sum of
    independent Exp(n mu + j theta), j = 1..k+1 (multiplying the stage densities by e^{-theta x}
    turns each Exp(r_j) into Exp(r_j + theta) times r_j / (r_j + theta)). V' is hypoexponential:
        P(V' <= t) = 1 - sum_i c_i exp(-s_i t),  s_i = n mu + i theta,
        c_i = prod_{j != i} s_j / (s_j - s_i).
  * Service level = share of all callers answered within t = P(no wait) + sum_k pi_{n+k} * that.
  * Occupancy = carried load / n = A (1 - abandonment) / n.

This is a different computation from the Rust code (which uses the Erlang B recursion and
uniformization of the caller's position), so agreement checks both.
"""

import math
from decimal import Decimal, getcontext, localcontext

getcontext().prec = 60


# ---------------------------------------------------------------- Erlang C


def erlang_c(n, calls_per_hour, aht, t):
    """(P(wait), service level at t, ASA seconds, occupancy) for n agents; None if unstable."""
    a = calls_per_hour * aht / 3600.0
    if a >= n:
        return None
    log_terms = [k * math.log(a) - math.lgamma(k + 1) for k in range(n)]
    log_top = n * math.log(a) - math.lgamma(n + 1) + math.log(n / (n - a))
    peak = max(log_terms + [log_top])
    below = math.fsum(math.exp(x - peak) for x in log_terms)
    top = math.exp(log_top - peak)
    c = top / (below + top)
    return c, 1.0 - c * math.exp(-(n - a) * t / aht), c * aht / (n - a), a / n


def erlang_c_required(calls_per_hour, aht, t, target):
    n = 1
    while True:
        result = erlang_c(n, calls_per_hour, aht, t)
        if result is not None and result[1] >= target:
            return n
        n += 1


# ---------------------------------------------------------------- Erlang A


def d(x):
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


def hypoexponential_cdf(base, theta, m, t):
    """P(sum of independent Exp(base + j theta), j = 1..m, <= t), in Decimal.

    With b = base / theta, c_i = prod_{j != i} (b + j) / (j - i)
                               = [prod_{j=1..m} (b + j)] / (b + i) / ((-1)^(i-1) (i-1)! (m-i)!).
    The c_i alternate in sign and grow like binomial coefficients, so the sum runs with enough digits
    to hold the largest of them exactly (estimated with lgamma) plus 40.
    """
    b = base / theta
    fb = float(b)
    log10_largest = max(
        (math.lgamma(fb + m + 1) - math.lgamma(fb + 1) - math.lgamma(i) - math.lgamma(m - i + 1))
        / math.log(10)
        for i in range(1, m + 1)
    )
    with localcontext() as context:
        context.prec = max(60, int(log10_largest) + 40)
        product = Decimal(1)
        for j in range(1, m + 1):
            product *= b + j
        total = Decimal(0)
        for i in range(1, m + 1):
            denominator = (b + i) * math.factorial(i - 1) * math.factorial(m - i)
            c = product / denominator * (1 if i % 2 == 1 else -1)
            total += c * (-(base + i * theta) * t).exp()
        return +(1 - total)


def erlang_a(n, calls_per_hour, aht, patience, t):
    """(P(wait), abandonment, GMR abandonment, service level at t, occupancy) for n agents."""
    lam = d(calls_per_hour) / 3600
    mu = 1 / d(aht)
    theta = 1 / d(patience)
    t = d(t)
    a = lam / mu
    # Weights up to n agents busy, relative to the empty center.
    weights = [Decimal(1)]
    for j in range(1, n + 1):
        weights.append(weights[-1] * a / j)
    below = sum(weights[:-1])
    # Waiting weights relative to w_n: e_k = prod_{i=1..k} lam / (n mu + i theta).
    waiting = [Decimal(1)]
    peak = max(0, (lam - n * mu) / theta)
    k = 0
    while True:
        k += 1
        waiting.append(waiting[-1] * lam / (n * mu + k * theta))
        if k > peak and waiting[-1] < Decimal("1e-40") * sum(waiting):
            break
    e = sum(waiting)
    norm = below + weights[n] * e
    arrival_sees = [weights[n] * w / norm for w in waiting]  # pi_{n+k}, k = 0, 1, ...
    p_wait = sum(arrival_sees)
    abandon = Decimal(0)
    answered_within = 1 - p_wait
    for k, p in enumerate(arrival_sees):
        answered = n * mu / (n * mu + (k + 1) * theta)
        abandon += p * (1 - answered)
        answered_within += p * answered * hypoexponential_cdf(n * mu, theta, k + 1, t)
    rho = lam / (n * mu)
    gmr_abandon = (1 / (rho * e) + 1 - 1 / rho) * p_wait
    occupancy = a * (1 - abandon) / n
    return tuple(float(x) for x in (p_wait, abandon, gmr_abandon, answered_within, occupancy))


def erlang_a_required(calls_per_hour, aht, patience, t, target):
    n = 1
    while erlang_a(n, calls_per_hour, aht, patience, t)[3] < target:
        n += 1
    return n


# ---------------------------------------------------------------- the cases the tests use


def show_c(calls_per_hour, aht, t, target, counts):
    print(f"Erlang C: {calls_per_hour} calls/h, AHT {aht} s, {target:.0%} in {t} s")
    for n in counts:
        c, sl, asa, occ = erlang_c(n, calls_per_hour, aht, t)
        print(f"  n={n}: P(wait)={c:.4f} SL={sl:.4f} ASA={asa:.2f} s occupancy={occ:.4f}")
    print(f"  required = {erlang_c_required(calls_per_hour, aht, t, target)}")


def show_a(calls_per_hour, aht, patience, t, target, counts):
    print(
        f"Erlang A: {calls_per_hour} calls/h, AHT {aht} s, patience {patience} s, "
        f"{target:.0%} in {t} s"
    )
    for n in counts:
        p_wait, ab, gmr_ab, sl, occ = erlang_a(n, calls_per_hour, aht, patience, t)
        print(
            f"  n={n}: P(wait)={p_wait:.4f} abandonment={ab:.4f} (GMR {gmr_ab:.4f}) "
            f"SL={sl:.4f} occupancy={occ:.4f}"
        )
    print(f"  required = {erlang_a_required(calls_per_hour, aht, patience, t, target)}")


def self_checks():
    # With an endless threshold, everyone who is not abandoning is answered: SL = 1 - abandonment.
    _, ab, gmr_ab, sl, _ = erlang_a(14, 200, 180, 300, 1e7)
    assert abs(sl - (1 - ab)) < 1e-12 and abs(ab - gmr_ab) < 1e-12, (sl, ab, gmr_ab)
    # Patient callers: Erlang A approaches Erlang C from the better side (fewer wait, more in time).
    c, c_sl, _, _ = erlang_c(14, 200, 180, 20)
    p_wait, _, _, sl, _ = erlang_a(14, 200, 180, 3000, 20)
    assert 0 < c - p_wait < 0.005 and 0 < sl - c_sl < 0.005, (p_wait, c, sl, c_sl)

if __name__ == "__main__":
    self_checks()
    # The worked case: 100 calls per 30 minutes, AHT 180 s, 80 % in 20 s.
    show_c(200, 180, 20, 0.8, [13, 14])
    show_a(200, 180, 300, 20, 0.8, [12, 13, 14])
    # `callboard staffing --calls-per-hour 360 --aht 240`.
    show_c(360, 240, 20, 0.8, [28, 29])
    # Short patience: fewer agents than the offered load can meet the target.
    show_a(2000, 180, 10, 20, 0.8, [81, 82, 90])
    show_a(360, 240, 15, 20, 0.8, [21, 22])
    show_a(200, 180, 10, 20, 0.7, [8, 9])
