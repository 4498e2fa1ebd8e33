"""The development harness: runs the product against the sandbox's simulated vendors.

`python -m devenv run` (make run), `sandbox` (make sandbox), `up` / `down` (make up / make down). With the
benchmarks (bench/) and the tests, the only code that imports `sandbox`; the product never imports this.
"""
