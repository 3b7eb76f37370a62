"""``POST /v1/bnpl/credit-decisions``: a BNPL applicant's decision, with the reasons they are told.

A merchant's checkout sends the application (the credit model's fields: bureau attributes and the
customer's payment behaviour); the production version of the credit model in the registry
(``hisaab risk credit promote``) decides: probability of default, score, approve / refer /
decline, credit limit in paise and the top four reason codes in plain language, from the model's
own points. Every decision is logged with the model version (``risk.credit.decisions``). A
promotion or rollback takes effect on the next request; a version is loaded (and its files'
sha256 verified) once.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from api.auth.deps import MerchantPrincipal
from api.errors import SERVER_ERROR, ApiError
from api.schemas import Input

router = APIRouter(tags=["bnpl"])

MODEL_NAME = "bnpl_credit"
FieldValue = StrictStr | StrictBool | StrictInt | StrictFloat | None
FieldName = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class CreditDecisionRequest(Input):
    application: dict[FieldName, FieldValue] = Field(
        ...,
        max_length=200,
        description="The credit model's fields (e.g. bureau_score, monthly_income_paise).",
    )


class _Models:
    """Loaded model versions by registry folder and version number (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, int], Any] = {}

    def production(self, registry_root: Path, name: str) -> Any:
        from risk.credit.artifacts import load_version
        from risk.registry import Registry, RegistryError

        registry = Registry(registry_root)
        number = registry.production(name)
        if number is None:
            # Razorpay answers a feature a merchant cannot use yet with a 400, not a 5xx.
            raise ApiError(
                400,
                f"BNPL credit decisions are not available: no {name} model is in production "
                "(a risk analyst runs `hisaab risk credit train`, then `... promote V`)",
                reason="model_not_in_production",
            )
        key = (str(registry_root), number)
        with self._lock:
            if key not in self._loaded:
                try:
                    self._loaded[key] = load_version(registry.get(name, number))
                except RegistryError as exc:
                    raise ApiError(
                        503, str(exc), reason="model_unavailable", code=SERVER_ERROR
                    ) from None
            return self._loaded[key]


_models = _Models()


@router.post("/bnpl/credit-decisions")
def create_credit_decision(
    body: CreditDecisionRequest, request: Request, principal: MerchantPrincipal
) -> dict[str, Any]:
    """Decide a BNPL application with the production credit model; the decision is logged."""
    from risk.credit.decisions import ApplicationError, DecisionLog, decide

    data_dir: Path = request.app.state.settings.data_dir
    model = _models.production(data_dir / "registry", MODEL_NAME)
    try:
        decision = decide(dict(body.application), model)
    except ApplicationError as exc:
        raise ApiError(400, str(exc), reason="invalid_application", field="application") from None
    DecisionLog(data_dir / "risk" / "decision_log").append(
        decision, {**body.application, "merchant_id": principal.merchant_id}
    )
    return {"entity": "bnpl_credit_decision", **decision.to_json()}
