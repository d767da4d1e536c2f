"""Shop simulator: deterministic (by seed) buyers, chats, orders and a demo floor.

Entry points other areas call:
- ``kefu.sim.arrivals.arrival_counts`` — contact counts per interval (forecast backtests);
- ``kefu.sim.export.export_benchmark`` — messages.csv / orders.csv at benchmark scale (credit);
- ``kefu.sim.shop.build_demo_shop`` — the demo shop as plain data (stored by ``kefu.service.demo.actions``).
"""
