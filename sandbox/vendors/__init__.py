"""Per-vendor HTTP simulators mounted on one Starlette app by sandbox.server."""
