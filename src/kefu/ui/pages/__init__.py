"""Dashboard pages: every module here is imported by ``kefu.ui.shell.mount_ui``.

One module per area (``roster.py``, ``forecast.py`` …); see ``kefu.ui.layout`` for
the ``kefu_page`` decorator and the rules pages follow.
"""
