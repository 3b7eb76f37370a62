"""The engine behind the emulated gateways: authorise, capture, refund, status, journalled.

User need: the payments service must be exercised against gateways that decline, time out and
leave payments pending the way real ones do, without a network; and everything an emulator
processed must end up in its settlement file. Each gateway module (``razorpay``, ``payu``,
``ccavenue``) supplies its id formats, error catalogue and callback format; this module holds
the behaviour they share:

* validation first (currency INR, amount at least ₹1, UPI at most ₹1 lakh, method enabled),
  answered as the gateway's own error, with ``outcome="failed"``;
* a seeded ``FaultInjector`` draw decides success, decline, timeout, pending or downtime;
* latency is log-normal around the gateway's median for the method (the simulator's profile),
  multiplied by ``latency_scale`` (0: no sleeping); a timeout takes ``timeout_ms``;
* a timeout returns ``unknown`` without a gateway id, but the gateway may have gone through with
  it: the journal records what really happened, and ``status(our_payment_id)`` tells;
* nothing is retried inside a connector. Authorising a payment id the gateway already knows
  returns that payment's current state instead of authorising again; a refund id already
  journalled returns the first refund. A second capture is refused as the gateway would.

Fees: the capture charges the merchant's contracted MDR from the request (``mdr_bps``), fee and
18% GST rounded per ``hisaab.money``; they appear in the settlement file.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from datetime import datetime
from math import exp
from statistics import NormalDist

from api.gateways.base import (
    FAILED,
    STATE_AUTHORIZED,
    STATE_CAPTURED,
    STATE_FAILED,
    STATE_PARTIALLY_REFUNDED,
    STATE_PENDING,
    STATE_REFUNDED,
    SUCCESS,
    UNKNOWN,
    AuthorizeRequest,
    GatewayConnector,
    GatewayEvent,
    GatewayResult,
)
from api.gateways.catalogue import MIN_AMOUNT_PAISE, UPI_MAX_PAISE, ErrorSpec, GatewayCatalogue
from api.gateways.faults import (
    DECLINE,
    DOWNTIME,
    PENDING,
    TIMEOUT,
    FaultConfig,
    FaultInjector,
    utc_now,
)
from api.gateways.journal import GatewayJournal, PaymentRow, RefundRow, to_us
from hisaab.calendar import ist_date, settlement_date
from hisaab.money import fee_with_gst

# When a request carries no contracted MDR: the simulator's typical pricing (UPI at zero MDR).
DEFAULT_MDR_BPS = {"upi": 0, "card": 190, "netbanking": 150, "wallet": 190}
LATENCY_SIGMA = 0.35  # log-normal spread around the median
CAPTURE_LATENCY_SHARE = 0.15  # capture/refund are server-to-server calls, far quicker than checkout
STATUS_LATENCY_SHARE = 0.05
_NORMAL = NormalDist()


class EmulatedGateway(ABC):
    """Shared behaviour of the emulated gateways; subclasses give ids and callback formats."""

    name: str
    catalogue: GatewayCatalogue

    def __init__(
        self,
        journal: GatewayJournal,
        faults: FaultInjector | None = None,
        *,
        seed: int | None = None,
        latency_scale: float = 1.0,
        timeout_ms: float = 10_000.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if latency_scale < 0:
            raise ValueError("latency_scale must be >= 0")
        self.journal = journal
        self.faults = faults or FaultInjector(FaultConfig.none())
        self.seed = self.faults.config.seed if seed is None else seed
        self.latency_scale = latency_scale
        self.timeout_ms = timeout_ms
        self._sleep = sleep

    # --- what each gateway defines ------------------------------------------------------------

    @abstractmethod
    def payment_id_for(self, counter: int) -> str:
        """The gateway's id of its ``counter``-th payment."""

    @abstractmethod
    def refund_id_for(self, counter: int) -> str:
        """The gateway's id of its ``counter``-th refund."""

    @abstractmethod
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> GatewayEvent:
        """Verify and normalise one callback in this gateway's format."""

    @abstractmethod
    def render_webhook(
        self, reference: str, event_type: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The callback this gateway would send now for a payment (headers, raw body)."""

    # --- the connector interface --------------------------------------------------------------

    def authorize(self, req: AuthorizeRequest) -> GatewayResult:
        cat = self.catalogue
        rejected = self._validate(req)
        if rejected is not None:
            return self._result(FAILED, None, rejected, self._latency(req.method, 0.5, 0.1), req)
        known = self.journal.payment(self.name, req.payment_id)
        if known is not None:  # the same merchant reference twice: never authorise again
            return self.status(known.gateway_payment_id)

        draw = self.faults.draw(self.name, "authorize", req.payment_id, req.method)
        kind = draw.kind
        if req.vpa in (f"success@{self.name}", "success@razorpay"):
            kind = "ok"  # test-mode VPAs, as Razorpay's test mode has them
        elif req.vpa in (f"failure@{self.name}", "failure@razorpay"):
            kind = DECLINE
        now = self.faults.clock()
        counter = self.journal.next_sequence(self.name, "payment")
        gateway_payment_id = self.payment_id_for(counter)
        rrn = self._rrn(now) if req.method == "upi" else None
        error: ErrorSpec | None = None
        state, final_state, resolves_at = STATE_AUTHORIZED, None, None
        if kind == DECLINE:
            choices = cat.declines[req.method]
            error, state = choices[int(draw.pick * len(choices))], STATE_FAILED
        elif kind == DOWNTIME:
            error, state = cat.downtime, STATE_FAILED
        elif kind in (TIMEOUT, PENDING):
            final_state = STATE_AUTHORIZED if draw.completes else STATE_FAILED
            if kind == TIMEOUT:
                state = final_state  # the gateway finished; only our side does not know
            else:
                state = STATE_PENDING
                resolve_s = self.faults.config.rates_for(self.name).pending_resolve_s
                resolves_at = to_us(now) + int(resolve_s * 1_000_000)
            if final_state == STATE_FAILED:
                choices = cat.declines[req.method]
                error = choices[int(draw.pick * len(choices))]
        row = PaymentRow(
            gateway=self.name,
            gateway_payment_id=gateway_payment_id,
            payment_id=req.payment_id,
            order_id=req.order_id,
            merchant_id=req.merchant_id,
            method=req.method,
            amount_paise=req.amount_paise,
            currency=req.currency,
            state=state,
            final_state=final_state,
            resolves_at_us=resolves_at,
            error_code=error.code if error else None,
            error_reason=error.reason if error else None,
            error_description=error.description if error else None,
            rrn=rrn if state != STATE_FAILED else None,
            vpa=req.vpa,
            card_network=req.card_network,
            card_type=req.card_type,
            card_issuer=req.card_issuer,
            bank_code=req.bank_code,
            wallet=req.wallet,
            mdr_bps=req.mdr_bps if req.mdr_bps is not None else DEFAULT_MDR_BPS[req.method],
            settlement_cycle_days=req.settlement_cycle_days,
            fee_paise=0,
            tax_paise=0,
            refunded_paise=0,
            created_at_us=to_us(now),
            captured_at_us=None,
            business_date=None,
            settled_on=None,
        )
        row = self.journal.insert_payment(row)  # a concurrent duplicate gets the first row
        if kind == TIMEOUT:
            return self._timeout(req.method, req)
        latency = self._latency(req.method, draw.latency_u)
        if kind == PENDING:
            return self._from_row(row, latency, outcome=UNKNOWN, error=cat.pending)
        return self._from_row(row, latency)

    def capture(self, gateway_payment_id: str, amount_paise: int) -> GatewayResult:
        cat = self.catalogue
        row = self._resolved(gateway_payment_id)
        if row is None:
            return self._result(FAILED, gateway_payment_id, cat.not_found, self._quick(), None)
        latency = self._latency(row.method, 0.5, CAPTURE_LATENCY_SHARE)
        if row.state == STATE_PENDING:  # nothing to capture yet; nothing was captured
            return self._from_row(row, latency, outcome=FAILED, error=cat.pending)
        if row.state == STATE_FAILED:
            return self._from_row(row, latency, outcome=FAILED)
        if row.state != STATE_AUTHORIZED:
            return self._from_row(row, latency, outcome=FAILED, error=cat.already_captured)
        if amount_paise != row.amount_paise:
            return self._from_row(row, latency, outcome=FAILED, error=cat.capture_amount_mismatch)
        draw = self.faults.draw(self.name, "capture", row.gateway_payment_id, row.method)
        if draw.kind == DOWNTIME:
            return self._from_row(row, latency, outcome=FAILED, error=cat.downtime)
        if draw.kind == TIMEOUT and not draw.completes:
            return self._timeout(row.method, None, row.gateway_payment_id)
        now = self.faults.clock()
        split = fee_with_gst(row.amount_paise, row.mdr_bps)
        business_date = ist_date(now)
        row = self.journal.update_payment(
            self.name,
            row.gateway_payment_id,
            state=STATE_CAPTURED,
            captured_at_us=to_us(now),
            fee_paise=split.fee_paise,
            tax_paise=split.gst_paise,
            business_date=business_date.isoformat(),
            settled_on=settlement_date(business_date, row.settlement_cycle_days).isoformat(),
        )
        if draw.kind == TIMEOUT:
            return self._timeout(row.method, None, row.gateway_payment_id)
        return self._from_row(row, latency)

    def refund(self, gateway_payment_id: str, amount_paise: int, refund_id: str) -> GatewayResult:
        cat = self.catalogue
        row = self._resolved(gateway_payment_id)
        if row is None:
            return self._result(FAILED, gateway_payment_id, cat.not_found, self._quick(), None)
        latency = self._latency(row.method, 0.5, CAPTURE_LATENCY_SHARE)
        known = self.journal.refund(self.name, refund_id)
        if known is not None:  # the same refund asked for again: never refund twice
            return self._refund_result(row, known, latency)
        if row.state != STATE_CAPTURED:
            return self._from_row(row, latency, outcome=FAILED, error=cat.not_captured)
        if amount_paise <= 0 or amount_paise > row.amount_paise - row.refunded_paise:
            return self._from_row(row, latency, outcome=FAILED, error=cat.refund_exceeds)
        draw = self.faults.draw(self.name, "refund", refund_id, row.method)
        if draw.kind == DOWNTIME:
            return self._from_row(row, latency, outcome=FAILED, error=cat.downtime)
        if draw.kind == TIMEOUT and not draw.completes:
            return self._timeout(row.method, None, row.gateway_payment_id)
        now = self.faults.clock()
        business_date = ist_date(now)
        refund = RefundRow(
            gateway=self.name,
            refund_id=refund_id,
            gateway_refund_id=self.refund_id_for(self.journal.next_sequence(self.name, "refund")),
            gateway_payment_id=row.gateway_payment_id,
            amount_paise=amount_paise,
            created_at_us=to_us(now),
            business_date=business_date.isoformat(),
            settled_on=settlement_date(business_date, row.settlement_cycle_days).isoformat(),
        )
        stored = self.journal.insert_refund(refund, captured_paise=row.amount_paise)
        if stored is None:  # a concurrent refund used up the amount first
            return self._from_row(row, latency, outcome=FAILED, error=cat.refund_exceeds)
        if draw.kind == TIMEOUT:
            return self._timeout(row.method, None, row.gateway_payment_id)
        return self._refund_result(self._resolved(row.gateway_payment_id) or row, stored, latency)

    def status(self, gateway_payment_id: str) -> GatewayResult:
        """Current state of a payment, by the gateway's id or by our payment id."""
        row = self._resolved(gateway_payment_id)
        latency = self._quick()
        if row is None:
            return self._result(FAILED, None, self.catalogue.not_found, latency, None)
        if row.state == STATE_PENDING:
            return self._from_row(row, latency, outcome=UNKNOWN, error=self.catalogue.pending)
        return self._from_row(row, latency)

    def refund_status(self, refund_id: str) -> GatewayResult:
        """A refund by our refund id: ``success`` if the gateway has it, ``failed`` if not."""
        known = self.journal.refund(self.name, refund_id)
        latency = self._quick()
        if known is None:
            return self._result(FAILED, None, self.catalogue.not_found, latency, None)
        row = self._resolved(known.gateway_payment_id)
        assert row is not None
        return self._refund_result(row, known, latency)

    # --- helpers ------------------------------------------------------------------------------

    def _validate(self, req: AuthorizeRequest) -> ErrorSpec | None:
        cat = self.catalogue
        if req.currency != "INR":
            return cat.invalid_currency
        if req.amount_paise < MIN_AMOUNT_PAISE:
            return cat.invalid_amount
        if req.method == "upi" and req.amount_paise > UPI_MAX_PAISE:
            return cat.invalid_amount
        if not cat.supports(req.method, wallet=req.wallet, card_network=req.card_network):
            return cat.unsupported
        if req.method == "card" and not req.card_token:
            return cat.unsupported
        return None

    def _resolved(self, reference: str) -> PaymentRow | None:
        """The journal row, with a pending payment resolved once its time has come."""
        row = self.journal.payment(self.name, reference)
        if row is None or row.state != STATE_PENDING or row.resolves_at_us is None:
            return row
        if to_us(self.faults.clock()) < row.resolves_at_us:
            return row
        return self.journal.update_payment(
            self.name, row.gateway_payment_id, state=row.final_state or STATE_FAILED
        )

    def _latency(self, method: str, u: float, share: float = 1.0) -> float:
        """Emulated latency in ms (after scaling); sleeps that long."""
        median = self.catalogue.latency_ms_median.get(method, 2000) * share
        z = _NORMAL.inv_cdf(min(max(u, 1e-9), 1 - 1e-9))
        ms = median * exp(LATENCY_SIGMA * z) * self.latency_scale
        if ms > 0:
            self._sleep(ms / 1000)
        return ms

    def _quick(self) -> float:
        return self._latency("card", 0.5, STATUS_LATENCY_SHARE)

    def _timeout(
        self, method: str, req: AuthorizeRequest | None, gateway_payment_id: str | None = None
    ) -> GatewayResult:
        ms = self.timeout_ms * self.latency_scale
        if ms > 0:
            self._sleep(ms / 1000)
        t = self.catalogue.timeout
        return GatewayResult(
            outcome=UNKNOWN,
            gateway=self.name,
            gateway_payment_id=gateway_payment_id,
            error_code=t.code,
            error_description=t.description,
            latency_ms=ms,
            error_reason=t.reason,
            state=None,
            amount_paise=req.amount_paise if req else None,
            payment_id=req.payment_id if req else None,
        )

    def _result(
        self,
        outcome: str,
        gateway_payment_id: str | None,
        error: ErrorSpec,
        latency: float,
        req: AuthorizeRequest | None,
    ) -> GatewayResult:
        return GatewayResult(
            outcome=outcome,
            gateway=self.name,
            gateway_payment_id=gateway_payment_id,
            error_code=error.code,
            error_description=error.description,
            latency_ms=latency,
            error_reason=error.reason,
            amount_paise=req.amount_paise if req else None,
            payment_id=req.payment_id if req else None,
        )

    def _state(self, row: PaymentRow) -> str:
        if row.state == STATE_CAPTURED and row.refunded_paise:
            full = row.refunded_paise >= row.amount_paise
            return STATE_REFUNDED if full else STATE_PARTIALLY_REFUNDED
        return row.state

    def _from_row(
        self,
        row: PaymentRow,
        latency: float,
        *,
        outcome: str | None = None,
        error: ErrorSpec | None = None,
    ) -> GatewayResult:
        if outcome is None:
            outcome = FAILED if row.state == STATE_FAILED else SUCCESS
        code = error.code if error else (row.error_code if row.state == STATE_FAILED else None)
        desc = (
            error.description
            if error
            else (row.error_description if row.state == STATE_FAILED else None)
        )
        reason = (
            error.reason if error else (row.error_reason if row.state == STATE_FAILED else None)
        )
        return GatewayResult(
            outcome=outcome,
            gateway=self.name,
            gateway_payment_id=row.gateway_payment_id,
            error_code=code,
            error_description=desc,
            latency_ms=latency,
            rrn=row.rrn,
            error_reason=reason,
            state=self._state(row),
            amount_paise=row.amount_paise,
            payment_id=row.payment_id,
            refunded_paise=row.refunded_paise,
        )

    def _refund_result(self, row: PaymentRow, refund: RefundRow, latency: float) -> GatewayResult:
        return GatewayResult(
            outcome=SUCCESS,
            gateway=self.name,
            gateway_payment_id=row.gateway_payment_id,
            error_code=None,
            error_description=None,
            latency_ms=latency,
            rrn=row.rrn,
            state=self._state(row),
            gateway_refund_id=refund.gateway_refund_id,
            amount_paise=refund.amount_paise,
            payment_id=row.payment_id,
            refunded_paise=row.refunded_paise,
        )

    def _rrn(self, now: datetime) -> str:
        """A 12-digit UPI RRN: last digit of the year, IST day of year, 8-digit sequence.

        One sequence for all emulated gateways, so RRNs never collide between them.
        """
        from api.gateways.ids import rrn_tail

        d = ist_date(now)
        tail = rrn_tail(self.seed, self.journal.next_sequence("*", "rrn"))
        return f"{d.year % 10}{d.timetuple().tm_yday:03d}{tail}"


def build_emulators(
    journal: GatewayJournal,
    faults: FaultInjector,
    *,
    latency_scale: float = 1.0,
    timeout_ms: float = 10_000.0,
    sleep: Callable[[float], None] = time.sleep,
    razorpay_webhook_secret: str = "rzp_webhook_dev_secret",
    payu_key: str = "gtKFFx",
    payu_salt: str = "payu_dev_salt",
    ccavenue_working_key: str = "ccavenue_dev_working_key",
) -> dict[str, EmulatedGateway]:
    """The three emulated gateways sharing one journal and one fault plan."""
    from api.gateways.ccavenue import CCAvenueEmulator
    from api.gateways.payu import PayUEmulator
    from api.gateways.razorpay import RazorpayEmulator

    common = {"latency_scale": latency_scale, "timeout_ms": timeout_ms, "sleep": sleep}
    return {
        "razorpay": RazorpayEmulator(
            journal, faults, webhook_secret=razorpay_webhook_secret, **common
        ),
        "payu": PayUEmulator(journal, faults, key=payu_key, salt=payu_salt, **common),
        "ccavenue": CCAvenueEmulator(journal, faults, working_key=ccavenue_working_key, **common),
    }


_DEFAULTS: tuple[GatewayJournal, FaultInjector] | None = None


def _default_parts() -> tuple[GatewayJournal, FaultInjector]:
    global _DEFAULTS
    from api.gateways.config import EmulatorSettings

    if _DEFAULTS is None:
        s = EmulatorSettings()
        _DEFAULTS = (GatewayJournal(s.journal()), FaultInjector(s.fault_config(), clock=utc_now))
    return _DEFAULTS


def default_emulators() -> dict[str, GatewayConnector]:
    """Emulators configured from ``EmulatorSettings`` (the environment); used by ``get_connector``."""
    from api.gateways.config import EmulatorSettings

    s = EmulatorSettings()
    journal, faults = _default_parts()
    return dict(
        build_emulators(
            journal,
            faults,
            latency_scale=s.latency_scale,
            timeout_ms=s.timeout_ms,
            razorpay_webhook_secret=s.razorpay_webhook_secret,
            payu_key=s.payu_key,
            payu_salt=s.payu_salt,
            ccavenue_working_key=s.ccavenue_working_key,
        )
    )


def default_fault_injector() -> FaultInjector:
    """The fault plan behind ``get_connector``'s emulators (to degrade a gateway at run time)."""
    return _default_parts()[1]


def default_journal() -> GatewayJournal:
    """The journal behind ``get_connector``'s emulators (for ``write_settlement_files``)."""
    return _default_parts()[0]
