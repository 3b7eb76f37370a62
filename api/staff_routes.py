"""The routes staff use through the dashboard (Bearer session, role-checked), in one list.

Kept apart from the merchant routes in ``api.app`` so adding a staff domain touches only this file.
"""

from __future__ import annotations

from fastapi import APIRouter


def staff_routers() -> list[APIRouter]:
    from api.aml.router import router as aml
    from api.breaks.router import router as breaks
    from api.ops.router import router as ops
    from api.users.router import router as users

    return [users, breaks, aml, ops]
