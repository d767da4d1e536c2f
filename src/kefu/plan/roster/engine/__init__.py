"""The one roster engine: agents' lines priced by DP against the coupling rows' duals.

``lines`` (per-agent rules as a line automaton, the compiled DP), ``problem``
(the general model), ``master`` (the HiGHS master LP), ``colgen`` (column
generation, dives, master IP), ``branch`` (branch and price on cells),
``search`` (the phase that runs them in time shares) and ``lns`` (the CP-SAT
neighbourhood polish). Adapters map a problem onto it: the shop's month
(``kefu.plan.roster.month``) and the Curtois & Qu benchmark
(``kefu.plan.roster.curtois``).
"""
