#!/usr/bin/env python3
"""Independent exact-rational oracle for Fixtures/vectors (see README.md).

Computes the expected ledger outputs with Python Fractions and the rounding rules of SPEC §2-§3
(value down; notional, MM, IM up; liquidation/bankruptcy price up for longs, down for shorts) and
writes liquidation-prices.json and tier-boundaries.json. Run: python3 exact.py
"""
import json
from fractions import Fraction as F
from math import ceil, floor

E8 = 10**8


def up(x):
    return F(ceil(x * E8), E8)


def down(x):
    return F(floor(x * E8), E8)


def text(x):
    """Canonical decimal text of an 8-decimal value (as DecimalText.format)."""
    raw = int(x * E8)
    assert F(raw, E8) == x, x
    sign = "-" if raw < 0 else ""
    whole, frac = divmod(abs(raw), E8)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:08d}".rstrip("0")


def tier_of(tiers, notional):
    for i, t in enumerate(tiers):
        if notional <= F(t["notionalCap"]):
            return i
    return len(tiers) - 1


def position(tiers, q, mark, open_cost):
    value = down(q * mark)
    notional = up(abs(q) * mark)
    i = tier_of(tiers, notional)
    t = tiers[i]
    mm = max(F(0), up(notional * F(t["mmr"])) - F(t["maintAmount"]))
    im = up(notional * F(t["imr"]))
    return dict(value=value, notional=notional, tier=i, mm=mm, im=im, upnl=value - open_cost)


def liq_price(q, c_other, mm_other, mmr, maint):
    p = (c_other - mm_other + maint) / (abs(q) * mmr - q)
    if p <= 0:
        return None
    return up(p) if q > 0 else down(p)


def bankruptcy(q, c_other):
    p = -c_other / q
    if p <= 0:
        return None
    return up(p) if q > 0 else down(p)


# Binance USDⓈ-M brackets quoted in the FAQ (BTCUSDT levels 1-4: 50k/0.4%/0, 250k/0.5%/50,
# 1M/1%/1300, 10M/2.5%/16300, ...). imr is not part of the published examples: 2 × mmr, capped at 1.
def brackets(rows):
    return [dict(notionalCap=str(cap), mmr=mmr, imr=text(min(F(1), 2 * F(mmr))), maintAmount=str(m)) for cap, mmr, m in rows]


BTC = brackets([(50_000, "0.004", 0), (250_000, "0.005", 50), (1_000_000, "0.01", 1_300),
                (10_000_000, "0.025", 16_300), (20_000_000, "0.05", 266_300), (50_000_000, "0.1", 1_266_300),
                (100_000_000, "0.125", 2_516_300), (200_000_000, "0.15", 5_016_300),
                (300_000_000, "0.25", 25_016_300), (500_000_000, "0.5", 100_016_300)])
ETH = brackets([(10_000, "0.005", 0), (100_000, "0.0065", 15), (500_000, "0.01", 365), (1_000_000, "0.02", 5_365),
                (2_000_000, "0.05", 35_365), (5_000_000, "0.1", 135_365), (10_000_000, "0.125", 260_365),
                (20_000_000, "0.15", 510_365), (50_000_000, "0.25", 2_510_365)])


def listed(t, market, tiers, lot="0.001", tick="0.01"):
    return dict(kind="market.listed", time=t, market=market, lotSize=lot, tickSize=tick, tiers=tiers)


def expected_views(account_cash, holdings, marks, tiers_by_market):
    """holdings: market -> (q, open_cost). Returns per-position expectations."""
    pos = {m: position(tiers_by_market[m], q, marks[m], oc) for m, (q, oc) in holdings.items()}
    out = []
    for m, (q, oc) in holdings.items():
        others = [pos[o] for o in holdings if o != m]
        c_other = account_cash + sum((p["value"] for p in others), F(0))
        mm_other = sum((p["mm"] for p in others), F(0))
        t = tiers_by_market[m][pos[m]["tier"]]
        lp = liq_price(q, c_other, mm_other, F(t["mmr"]), F(t["maintAmount"]))
        bp = bankruptcy(q, c_other)
        out.append(dict(market=m, tier=pos[m]["tier"], value=text(pos[m]["value"]), upnl=text(pos[m]["upnl"]),
                        liquidationPrice=None if lp is None else text(lp),
                        bankruptcyPrice=None if bp is None else text(bp)))
    totals = dict(cash=text(account_cash),
                  equity=text(account_cash + sum(p["value"] for p in pos.values())),
                  mm=text(sum(p["mm"] for p in pos.values())), im=text(sum(p["im"] for p in pos.values())))
    return out, totals


def binance_cross():
    wb = F("1535443.01")
    q_btc, ep_btc, mp_btc = F("109.488"), F("32481.98"), F("31967.27")
    q_eth, ep_eth, mp_eth = F("3683.979"), F("1456.84"), F("1335.18")
    events = [listed(1, "BTCUSDT", BTC), listed(2, "ETHUSDT", ETH),
              dict(kind="deposit", time=3, account="trader", amount="1535443.01", ref="wb"),
              dict(kind="deposit", time=4, account="maker", amount="100000000", ref="mk"),
              dict(kind="trade", time=5, market="BTCUSDT", buyer="trader", seller="maker", qty="109.488", price="32481.98", ref="t1"),
              dict(kind="trade", time=6, market="ETHUSDT", buyer="trader", seller="maker", qty="3683.979", price="1456.84", ref="t2"),
              dict(kind="oracle.price", time=7, market="BTCUSDT", price="31967.27", publishTime=7),
              dict(kind="oracle.price", time=8, market="ETHUSDT", price="1335.18", publishTime=8)]
    cost_btc, cost_eth = up(q_btc * ep_btc), up(q_eth * ep_eth)
    cash = wb - cost_btc - cost_eth
    positions, totals = expected_views(cash, {"BTCUSDT": (q_btc, cost_btc), "ETHUSDT": (q_eth, cost_eth)},
                                       {"BTCUSDT": mp_btc, "ETHUSDT": mp_eth}, {"BTCUSDT": BTC, "ETHUSDT": ETH})
    published = {"BTCUSDT": {"liquidationPrice": "26316.89", "upnl": "-56354.57"},
                 "ETHUSDT": {"liquidationPrice": "1153.26", "upnl": "-448192.89"}}
    for p in positions:
        p["published"] = published[p["market"]]
    return dict(name="binance-usdm-cross-one-way-two-positions",
                source="https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-contracts-b3c689c1f50a44cabb3a84e663b81d93",
                events=events, account="trader", totals=totals, positions=positions)


def binance_single():
    q, ep, wb = F("0.02"), F("50000"), F("500")
    events = [listed(1, "BTCUSDT", BTC),
              dict(kind="deposit", time=2, account="trader", amount="500", ref="wb"),
              dict(kind="deposit", time=3, account="maker", amount="100000", ref="mk"),
              dict(kind="trade", time=4, market="BTCUSDT", buyer="trader", seller="maker", qty="0.02", price="50000", ref="t1")]
    cost = up(q * ep)
    positions, totals = expected_views(wb - cost, {"BTCUSDT": (q, cost)}, {"BTCUSDT": ep}, {"BTCUSDT": BTC})
    positions[0]["published"] = {"liquidationPrice": "25100.40"}
    return dict(name="binance-usdm-single-long-20x",
                source="https://www.binance.com/en/support/faq/25edcd7fe0e544839d0847b8cbb2e400",
                events=events, account="trader", totals=totals, positions=positions)


def single(name, tiers, q, p, deposit, mark=None):
    """A hand-computed single-position case: `trader` trades q at p against `maker`."""
    q, p = F(q), F(p)
    buy = q > 0
    events = [listed(1, "BTCUSDT", tiers, lot="0.00000001", tick="0.01"),
              dict(kind="deposit", time=2, account="trader", amount=deposit, ref="wb"),
              dict(kind="deposit", time=3, account="maker", amount="1000000000", ref="mk"),
              dict(kind="trade", time=4, market="BTCUSDT", buyer="trader" if buy else "maker",
                   seller="maker" if buy else "trader", qty=text(abs(q)), price=text(p), ref="t1")]
    mark = F(mark) if mark else p
    if mark != p:
        events.append(dict(kind="oracle.price", time=5, market="BTCUSDT", price=text(mark), publishTime=5))
    cost = up(q * p) if buy else -down(-q * p)
    cash = F(deposit) - cost
    positions, totals = expected_views(cash, {"BTCUSDT": (q, cost)}, {"BTCUSDT": mark}, {"BTCUSDT": BTC})
    return dict(name=name, source="hand-computed (exact.py)", events=events, account="trader", totals=totals, positions=positions)


def tier_cases():
    cases = []
    # Every boundary of the first four Binance BTCUSDT brackets: exactly at the cap (this tier)
    # and one raw unit of quantity beyond it (next tier), long and short, at 4x leverage; MM is
    # continuous there (Binance's maintenance amounts are chosen so).
    for cap in ["50000", "250000", "1000000", "10000000"]:
        q_at = F(cap) / F(10000)
        margin = text(F(cap) / 4)
        for sign, side in [(1, "long"), (-1, "short")]:
            cases.append(single(f"tier-cap-{cap}-{side}-at", BTC, text(sign * q_at), "10000", margin))
            cases.append(single(f"tier-cap-{cap}-{side}-beyond", BTC, text(sign * (q_at + F(1, E8))), "10000", margin))
    # Binance FAQ: a 264,000 USDT position has MMR 1%; a 500,000 USDT one maintenance amount 1,300.
    cases.append(single("binance-faq-264000-notional", BTC, "26.4", "10000", "100000"))
    cases.append(single("binance-faq-500000-notional", BTC, "50", "10000", "200000"))
    # A short whose liquidation price is rounded down, and a long whose mark moved into tier 2.
    cases.append(single("short-liquidation-rounds-down", BTC, "-3", "9999.99", "1000"))
    cases.append(single("long-mark-moves-up-a-tier", BTC, "20", "10000", "10000", mark="13000"))
    return cases


if __name__ == "__main__":
    with open("liquidation-prices.json", "w") as f:
        json.dump(dict(vectors=[binance_cross(), binance_single()]), f, indent=1)
        f.write("\n")
    with open("tier-boundaries.json", "w") as f:
        json.dump(dict(vectors=tier_cases()), f, indent=1)
        f.write("\n")
