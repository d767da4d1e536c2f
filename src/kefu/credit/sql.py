"""The credit pipeline as SQL: sessions, rounds, attribution, assists, metrics.

Why SQL: the same statements run in-process on DuckDB (one machine) and on Spark SQL
for multi-shop floors. Only standard window functions, CASE, GROUP BY and joins are
used — no ASOF JOIN, QUALIFY, ``::`` casts or ``//``. The statements are written in
DuckDB's dialect; :mod:`kefu.credit.spark` transpiles them to Spark SQL with sqlglot
(docs/adr/0010-credit-on-spark.md says why this and not a DataFrame API).

Inputs (integer-coded by :mod:`kefu.credit.ingest`):
  m(bk, ak, t, d, h, io, human)            one row per message, t in UTC ms
  o(ok, bk, tc, tp, dc, dp, amount, refund, qty)

Attribution trick (see docs/adr/0005-credit-sql.md): a serving session that spans t
or ended within the window before t is exactly a serving session with start ≤ t and
end ≥ t − window, and the spec's choice among them is the latest end. So the answer
is the running maximum of session end over sessions ordered by start — one window
over sessions and events together, partitioned by the integer buyer key. Ties on end
go to the lowest agent id: the packed key is ``(end − base) · 2^20 + (2^20 − 1 − ak)``.
"""

from __future__ import annotations

from kefu.credit.rules import CreditRules

# replaced on one machine by kefu.credit.columnar (sessions, rounds) and kefu.credit.attribution
COLUMNAR_STEPS = frozenset({"m1", "m2", "s", "r0", "r", "cc", "sab", "att", "oc0"})
PACK = 1_048_576  # 2^20: room for a million agents below the end time
W_MSG = "PARTITION BY bk, ak ORDER BY t, io"


def statements(rules: CreditRules, base_ms: int) -> list[tuple[str, str]]:
    """(table name, CREATE statement) in execution order."""
    p = {
        "gap": rules.session_gap_s * 1000,
        "win": rules.credit_window_s * 1000,
        "base": base_ms,
        "pack": PACK,
        "top": PACK - 1,
        "after": rules.aftersale_days * 86_400_000,
        "slow": rules.slow_reply_s * 1000,
        "fast": rules.fast_reply_s * 1000,
        "hfrom": rules.fast_rate_from_hour,
        "hto": rules.fast_rate_to_hour,
        "w": W_MSG,
    }
    if rules.rule == "order_first":
        cred = "CASE WHEN tp IS NULL THEN NULL WHEN oa IS NOT NULL THEN oa ELSE pa END"
    elif rules.rule == "by_order":
        cred = "CASE WHEN tp IS NULL THEN NULL ELSE oa END"
    else:
        cred = "CASE WHEN tp IS NULL THEN NULL ELSE pa END"
    net = "amount - refund" if rules.refunds_reduce_sales else "amount"
    recv = "n_in > 0" if rules.exclude_monologue else "1 = 1"
    out = [
        # 1. a silence of ≥ gap between one agent's consecutive messages with a buyer starts a session
        (
            "m1",
            """
SELECT bk, ak, t, d, h, io, human,
       CASE WHEN t - lag(t) OVER w < {gap} THEN 0 ELSE 1 END AS brk
FROM m WINDOW w AS ({w})""",
        ),
        (
            "m2",
            """
SELECT bk, ak, t, d, h, io, human,
       sum(brk) OVER (PARTITION BY bk, ak ORDER BY t, io ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sn
FROM m1""",
        ),
        # 2. sessions: start, end, serving (a non-auto reply), buyer and agent message counts
        (
            "s",
            """
SELECT bk, ak, sn, min(t) AS st, max(t) AS en, min(d) AS sd, max(human) AS served,
       sum(1 - io) AS n_in, sum(human) AS n_human, min(CASE WHEN io = 0 THEN t END) AS fin
FROM m2 GROUP BY bk, ak, sn""",
        ),
        # 3. question–answer rounds: a buyer message after a reply (or opening a session),
        #    answered by the next non-auto reply in the same session
        (
            "r0",
            """
SELECT bk, ak, sn, t, d, h, io, lag(io) OVER w AS pio, lag(sn) OVER w AS psn
FROM m2 WHERE io = 0 OR human = 1 WINDOW w AS ({w})""",
        ),
        (
            "r",
            """
SELECT bk, ak, sn, t, d, h,
       CASE WHEN nio = 1 AND nsn = sn THEN nt - t END AS resp,
       CASE WHEN fsn IS NULL OR fsn <> sn THEN 1 ELSE 0 END AS first_round
FROM (
  SELECT bk, ak, sn, t, d, h, io, st,
         lead(io) OVER w AS nio, lead(sn) OVER w AS nsn, lead(t) OVER w AS nt, lag(sn) OVER w AS fsn
  FROM (SELECT bk, ak, sn, t, d, h, io,
               CASE WHEN io = 0 AND (pio IS NULL OR pio = 1 OR psn <> sn) THEN 1 ELSE 0 END AS st,
               CASE WHEN io = 1 AND pio = 0 AND psn = sn THEN 1 ELSE 0 END AS ans
        FROM r0) x
  WHERE st = 1 OR ans = 1
  WINDOW w AS ({w})
) y WHERE st = 1""",
        ),
        # 3b. concurrent conversations: +1 at each received session's start, −1 after its end
        (
            "cc",
            """
SELECT ak, d, c FROM (
  SELECT ak, d, kind,
         sum(delta) OVER (PARTITION BY ak ORDER BY t, kind ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c
  FROM (SELECT ak, sd AS d, st AS t, 0 AS kind, 1 AS delta FROM s WHERE n_in > 0
        UNION ALL SELECT ak, CAST(NULL AS INTEGER), en, 1, -1 FROM s WHERE n_in > 0) e
) q WHERE kind = 0""",
        ),
        # 4. attribution of every creation (which = 0) and payment (which = 1)
        (
            "att",
            """
SELECT ok, which, t, best FROM (
  SELECT bk, ok, which, t, kind,
         max(pk) OVER (PARTITION BY bk ORDER BY t, kind ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS best
  FROM (
    SELECT bk, CAST(NULL AS BIGINT) AS ok, CAST(NULL AS INTEGER) AS which, st AS t, 0 AS kind,
           (en - {base}) * {pack} + ({top} - ak) AS pk
    FROM s WHERE served = 1
    UNION ALL SELECT bk, ok, 0, tc, 1, CAST(NULL AS BIGINT) FROM o
    UNION ALL SELECT bk, ok, 1, tp, 1, CAST(NULL AS BIGINT) FROM o WHERE tp IS NOT NULL
  ) u
) x WHERE kind = 1""",
        ),
        (
            "oc0",
            """
SELECT o.ok, o.bk, o.tc, o.tp, o.dc, o.dp, o.amount, o.refund, o.qty, a.opk, a.ppk,
       {top} - a.opk % {pack} AS oa, {top} - a.ppk % {pack} AS pa
FROM o JOIN (
  SELECT ok,
         max(CASE WHEN which = 0 AND best >= (t - {win} - {base}) * {pack} THEN best END) AS opk,
         max(CASE WHEN which = 1 AND best >= (t - {win} - {base}) * {pack} THEN best END) AS ppk
  FROM att GROUP BY ok
) a ON a.ok = o.ok""",
        ),
        (
            "oc",
            f"""
SELECT ok, bk, tc, tp, dc, dp, amount, refund, qty, opk, ppk, oa, pa, {cred} AS cred,
       CASE WHEN oa IS NULL AND pa IS NULL THEN 1 ELSE 0 END AS silent
FROM oc0""",
        ),
        # 5. assists: other agents who served the buyer inside the window of either event of a sale
        (
            "asst",
            """
SELECT DISTINCT c.ok, s.ak, c.dp
FROM oc c JOIN s ON s.bk = c.bk
WHERE s.served = 1 AND c.cred IS NOT NULL AND s.ak <> c.cred
  AND ((s.st <= c.tc AND s.en >= c.tc - {win}) OR (s.st <= c.tp AND s.en >= c.tp - {win}))""",
        ),
        # 6. 询单: buyer-days with a first buyer message, minus those who ordered earlier that day or are 售后
        (
            "bd",
            """
SELECT bk, sd AS d, min(fin) AS fi FROM s WHERE n_in > 0 GROUP BY bk, sd""",
        ),
        (
            "inq0",
            """
SELECT b.bk, b.d, b.fi,
  max(CASE WHEN o.tc >= b.fi AND o.dc = b.d THEN 1 ELSE 0 END) AS ord0,
  max(CASE WHEN o.tc >= b.fi AND o.dc <= b.d + 1 THEN 1 ELSE 0 END) AS ord1,
  max(CASE WHEN o.tc >= b.fi AND o.tp IS NOT NULL AND o.dp <= b.d + 1 THEN 1 ELSE 0 END) AS pay1,
  max(CASE WHEN o.tc >= b.fi AND o.tp IS NOT NULL AND o.dp <= b.d + 3 THEN 1 ELSE 0 END) AS pay3,
  max(CASE WHEN o.tc < b.fi AND o.dc = b.d THEN 1 ELSE 0 END) AS before,
  max(CASE WHEN o.tc < b.fi THEN o.tc END) AS last_tc
FROM bd b LEFT JOIN o ON o.bk = b.bk GROUP BY b.bk, b.d, b.fi""",
        ),
        (
            "inq",
            """
SELECT i.bk, i.d, i.ord0, i.ord1, i.pay1, i.pay3,
  CASE WHEN i.before = 1 THEN 0
       WHEN max(CASE WHEN o.tp IS NOT NULL AND o.tp <= i.fi AND i.fi - o.tp <= {after} THEN 1 ELSE 0 END) = 1 THEN 0
       ELSE 1 END AS is_inq
FROM inq0 i LEFT JOIN o ON o.bk = i.bk AND o.tc = i.last_tc
GROUP BY i.bk, i.d, i.ord0, i.ord1, i.pay1, i.pay3, i.before""",
        ),
        # 7. one row per (agent, session day, buyer): received / reception flags without
        #    count(DISTINCT) (a distinct aggregate per group is the slowest thing DuckDB does here)
        (
            "sab",
            f"""
SELECT ak, sd, bk, max(CASE WHEN n_in > 0 THEN 1 ELSE 0 END) AS rcv,
       max(CASE WHEN served = 1 AND {recv} THEN 1 ELSE 0 END) AS rcp,
       sum(n_in) AS n_in, sum(n_human) AS n_human
FROM s GROUP BY ak, sd, bk""",
        ),
    ]
    parts = [
        # receptions and messages, by the day the session started
        (
            "sd",
            """sum(rcv) AS received, sum(rcp) AS receptions, sum(n_in) AS msgs_in, sum(n_human) AS msgs_out""",
            "sab",
        ),
        (
            "d",
            """count(*) AS inquiries, sum(ord0) AS inq_ordered_same_day, sum(ord1) AS inq_ordered_final,
           sum(pay1) AS inq_paid_next_day, sum(pay3) AS inq_paid_final""",
            "(SELECT q.ak, q.sd AS d, i.ord0, i.ord1, i.pay1, i.pay3 FROM sab q JOIN inq i "
            "ON i.bk = q.bk AND i.d = q.sd WHERE q.rcp = 1 AND i.is_inq = 1) q",
        ),
        (
            "dc",
            """count(*) AS placed_orders, sum(amount) AS placed_fen,
           sum(CASE WHEN tp IS NOT NULL AND dp <= dc + 3 THEN 1 ELSE 0 END) AS placed_paid""",
            "(SELECT oa AS ak, dc, tp, dp, amount FROM oc WHERE oa IS NOT NULL) q",
        ),
        (
            "dp",
            "count(*) AS paid_orders, sum(amount) AS paid_fen",
            "(SELECT pa AS ak, dp, amount FROM oc WHERE pa IS NOT NULL) q",
        ),
        (
            "dp",
            f"""count(*) AS credited_orders, sum({net}) AS sales_fen, count(DISTINCT bk) AS paying_buyers,
           sum(qty) AS items""",
            "(SELECT cred AS ak, dp, bk, amount, refund, qty FROM oc WHERE cred IS NOT NULL) q",
        ),
        ("dp", "count(*) AS assists", "asst"),
        (
            "d",
            f"""count(*) AS rounds, sum(CASE WHEN resp IS NOT NULL THEN 1 ELSE 0 END) AS answered,
           sum(resp) AS resp_sum_ms, sum(CASE WHEN resp > {p["slow"]} THEN 1 ELSE 0 END) AS slow_rounds,
           sum(CASE WHEN h >= {p["hfrom"]} AND h < {p["hto"]} THEN 1 ELSE 0 END) AS fast_base,
           sum(CASE WHEN h >= {p["hfrom"]} AND h < {p["hto"]} AND resp <= {p["fast"]} THEN 1 ELSE 0 END) AS fast_rounds,
           sum(CASE WHEN first_round = 1 AND resp IS NOT NULL THEN 1 ELSE 0 END) AS first_resp_n,
           sum(CASE WHEN first_round = 1 THEN resp END) AS first_resp_sum_ms""",
            "r",
        ),
        ("d", "max(c) AS max_concurrent", "cc"),
    ]
    out = [(name, sql.format(**p) if "{" in sql else sql) for name, sql in out]
    out += _agent_day(parts)
    return out


def _agent_day(parts: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """Each part aggregates its own columns by (agent, day); LEFT JOINs on the (agent, day) keys align them.

    Why not UNION ALL + SUM: the outer SUM re-aggregates every column of every part (zeros
    for the others' columns) in 128-bit sums — the slowest step of the run at 20 M messages.
    A part without a row for a key gives 0 (``COALESCE``), as the summed zeros did.
    Why each part its own step, not one statement with CTEs: Spark inlines a CTE at each
    reference, and planning the inlined statement took ~20 s even on a week of one shop.
    """
    steps, keys, cols = [], [], []
    for i, (dcol, body, src) in enumerate(parts):
        steps.append((f"adp{i}", f"SELECT ak, {dcol} AS d, {body} FROM {src} GROUP BY ak, {dcol}"))
        keys.append(f"SELECT ak, d FROM adp{i}")
        cols += [f"COALESCE(adp{i}.{seg.strip().rpartition(' AS ')[2].strip()}, 0)" for seg in _split(body)]
    names = [c.rpartition(".")[2].removesuffix(", 0)") for c in cols]
    joins = "\n".join(f"LEFT JOIN adp{i} ON adp{i}.ak = k.ak AND adp{i}.d = k.d" for i in range(len(parts)))
    items = ", ".join(f"{c} AS {n}" for c, n in zip(cols, names, strict=True))
    steps.append(("adk", " UNION ".join(keys)))
    steps.append(("ad", f"SELECT k.ak, k.d, {items}\nFROM adk k\n{joins}"))
    return steps


def _split(body: str) -> list[str]:
    """Split a select list on top-level commas."""
    out, depth, cur = [], 0, ""
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def outputs(rules: CreditRules) -> list[tuple[str, str]]:
    """The four result queries every engine fetches: credits by order, the agent-day union, shop-day sums,
    and each credited order's assisting agents (the evidence behind 协助, shown beside the chat).

    Ordered where the decoder needs an order (``oc`` by order key, ``ad`` by agent and day);
    ``sd`` is regrouped by shop name after decoding, so its row order does not matter.
    """
    net = "amount - refund" if rules.refunds_reduce_sales else "amount"
    return [
        ("oc", "SELECT ok, oa, pa, cred, silent, opk, ppk, amount, refund FROM oc ORDER BY ok"),
        ("ad", "SELECT * FROM ad ORDER BY ak, d"),
        (
            "sd",
            f"""SELECT bk, dp, count(*) AS n, sum({net}) AS paid,
       sum(CASE WHEN cred IS NOT NULL THEN {net} ELSE 0 END) AS credited, sum(silent) AS silent_orders
FROM oc WHERE tp IS NOT NULL GROUP BY bk, dp""",
        ),
        ("asst", "SELECT ok, ak FROM asst ORDER BY ok, ak"),  # one row per (order, agent): dp follows the order
    ]


def create_table(name: str, select: str) -> str:
    """The DuckDB statement that materialises one step (Spark gets the transpiled SELECT: ``kefu.credit.spark``)."""
    return f"CREATE OR REPLACE TEMPORARY TABLE {name} AS {select}"
