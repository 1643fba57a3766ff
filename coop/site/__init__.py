"""Public pages: the home page. (Health checks: coop/ops/.)"""
