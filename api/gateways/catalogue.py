"""What each emulated gateway supports and how it says no: methods, limits, error codes.

User need: the payments service and routing must see each gateway behave like the real one,
so a decline from PayU reads like PayU (``E348 ISSUER_DECLINED``), a CCAvenue failure like
CCAvenue (``order_status=Unsuccessful`` with a status code), and Razorpay like Razorpay
(``BAD_REQUEST_ERROR`` with a ``reason``). Error catalogues extend the simulator's
(``pipelines.simulator.gateways``): Razorpay reuses its card, netbanking and wallet codes, and
PayU and CCAvenue surface NPCI's UPI response codes from the same list.

Sources: Razorpay's published error codes and reasons; PayU's "Issuer Decline Error Codes" and
error table (``E307``, ``E308``, ``E345``, ``E348``, ``E715``, ``E907``, ``E1903``, ``E4684``,
``E9205``); CCAvenue's response parameters (``order_status`` Success/Failure/Aborted/Invalid, the
status tracker's Awaited/Successful/Shipped/Unsuccessful/Refunded). CCAvenue does not publish
the error numbers of its Confirm and Refund API calls, so those are descriptive emulator codes
(``ALREADY_CONFIRMED``, ``REFUND_EXCEEDS``, ...). Method support and wallet
lists are emulator choices that differ on purpose, so routing has something to decide.
Latency medians are the simulator's, per gateway and method.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.simulator.gateways import GATEWAYS as SIMULATOR_PROFILES

UPI_MAX_PAISE = 1_00_000_00  # NPCI's per-transaction UPI limit for ordinary merchants (₹1 lakh)
MIN_AMOUNT_PAISE = 100  # ₹1, as Razorpay's minimum order amount


@dataclass(frozen=True)
class ErrorSpec:
    """One gateway error: the gateway's code, a normalised reason, its description."""

    code: str
    reason: str
    description: str


@dataclass(frozen=True)
class GatewayCatalogue:
    name: str
    methods: tuple[str, ...]
    wallets: frozenset[str]
    card_networks: frozenset[str]
    latency_ms_median: dict[str, int]
    declines: dict[str, tuple[ErrorSpec, ...]]  # method -> possible declines
    timeout: ErrorSpec  # our call timed out: status unknown
    pending: ErrorSpec  # the gateway says it is still waiting (UPI collect, "Awaited")
    unsupported: ErrorSpec  # method, wallet or network not enabled
    invalid_amount: ErrorSpec
    invalid_currency: ErrorSpec
    already_captured: ErrorSpec
    capture_amount_mismatch: ErrorSpec
    not_captured: ErrorSpec  # refund of a payment that is not captured
    refund_exceeds: ErrorSpec
    not_found: ErrorSpec
    downtime: ErrorSpec  # a degraded gateway's failure

    def supports(
        self, method: str, *, wallet: str | None = None, card_network: str | None = None
    ) -> bool:
        """True if this gateway takes the method (and that wallet or card network)."""
        if method not in self.methods:
            return False
        if method == "wallet" and wallet is not None and wallet.lower() not in self.wallets:
            return False
        if method == "card" and card_network is not None:
            return card_network.lower() in self.card_networks
        return True


def _description(reason: str) -> str:
    return reason.replace("_", " ").capitalize() + "."


def _from_simulator(method: str) -> tuple[ErrorSpec, ...]:
    return tuple(
        ErrorSpec(c, r, _description(r)) for c, r in SIMULATOR_PROFILES["razorpay"].errors[method]
    )


_NPCI_UPI = _from_simulator("upi")  # U30, ZM, Z9, U69, XB: NPCI response codes

RAZORPAY = GatewayCatalogue(
    name="razorpay",
    methods=("upi", "card", "netbanking", "wallet"),
    wallets=frozenset({"phonepe", "amazonpay", "mobikwik", "freecharge"}),
    card_networks=frozenset({"visa", "mastercard", "rupay", "amex"}),
    latency_ms_median=SIMULATOR_PROFILES["razorpay"].latency_ms_median,
    declines={
        "card": _from_simulator("card"),
        "upi": (
            ErrorSpec(
                "GATEWAY_ERROR",
                "insufficient_funds",
                "Transaction failed due to insufficient funds.",
            ),
            ErrorSpec(
                "BAD_REQUEST_ERROR",
                "incorrect_pin",
                "You have entered an incorrect PIN on the UPI app.",
            ),
            ErrorSpec(
                "BAD_REQUEST_ERROR",
                "payment_cancelled",
                "You may have cancelled the payment or there was a delay in response from the UPI app.",
            ),
            ErrorSpec(
                "GATEWAY_ERROR",
                "payment_declined",
                "Payment failed. Please try again with another bank account.",
            ),
        ),
        "netbanking": _from_simulator("netbanking"),
        "wallet": _from_simulator("wallet"),
    },
    timeout=ErrorSpec(
        "GATEWAY_ERROR", "gateway_timeout", "Request to Razorpay timed out; payment status unknown."
    ),
    pending=ErrorSpec(
        "GATEWAY_ERROR", "payment_pending", "Payment is created and awaiting the customer."
    ),
    unsupported=ErrorSpec(
        "BAD_REQUEST_ERROR",
        "payment_method_not_enabled",
        "This payment method is not enabled for the merchant.",
    ),
    invalid_amount=ErrorSpec(
        "BAD_REQUEST_ERROR", "input_validation_failed", "The amount is outside the allowed range."
    ),
    invalid_currency=ErrorSpec(
        "BAD_REQUEST_ERROR", "input_validation_failed", "Currency is not supported."
    ),
    already_captured=ErrorSpec(
        "BAD_REQUEST_ERROR",
        "payment_already_captured",
        "This payment has already been captured.",
    ),
    capture_amount_mismatch=ErrorSpec(
        "BAD_REQUEST_ERROR",
        "input_validation_failed",
        "Capture amount must be equal to the amount authorized.",
    ),
    not_captured=ErrorSpec(
        "BAD_REQUEST_ERROR",
        "payment_not_captured",
        "The payment has not been captured yet; it cannot be refunded.",
    ),
    refund_exceeds=ErrorSpec(
        "BAD_REQUEST_ERROR",
        "refund_amount_exceeds",
        "The refund amount provided is greater than amount captured.",
    ),
    not_found=ErrorSpec("BAD_REQUEST_ERROR", "not_found", "The id provided does not exist."),
    downtime=ErrorSpec(
        "GATEWAY_ERROR",
        "gateway_technical_error",
        "Payment processing failed due to error at bank or wallet gateway.",
    ),
)

PAYU = GatewayCatalogue(
    name="payu",
    methods=("upi", "card", "netbanking", "wallet"),
    wallets=frozenset({"paytm", "phonepe", "amazonpay", "mobikwik", "freecharge"}),
    card_networks=frozenset({"visa", "mastercard", "rupay"}),  # Amex needs its own MID
    latency_ms_median=SIMULATOR_PROFILES["payu"].latency_ms_median,
    declines={
        "card": (
            ErrorSpec("E348", "issuer_declined", "Transaction declined by the issuer"),
            ErrorSpec("E307", "do_not_honour", "Transaction declined with do not honor"),
            ErrorSpec("E1903", "authorization_failed_by_bank", "Authorization failed at Bank"),
        ),
        "upi": (
            *_NPCI_UPI,
            ErrorSpec("E4684", "vpa_not_available", "VPA is not available for transaction"),
        ),
        "netbanking": (
            ErrorSpec("E308", "transaction_failed", "Transaction Failed at bank end."),
            ErrorSpec("E9205", "customer_cancellation", "Customer Cancellation"),
        ),
        "wallet": (
            ErrorSpec("E308", "transaction_failed", "Transaction Failed at bank end."),
            ErrorSpec("E9205", "customer_cancellation", "Customer Cancellation"),
        ),
    },
    timeout=ErrorSpec("TIMEOUT", "gateway_timeout", "No response from PayU; status unknown."),
    pending=ErrorSpec("pending", "payment_pending", "Transaction is pending at PayU."),
    unsupported=ErrorSpec("E907", "wrong_payment_method", "Wrong payment method selected."),
    invalid_amount=ErrorSpec("E715", "invalid_amount", "Invalid amount sent to the bank"),
    invalid_currency=ErrorSpec("E715", "invalid_amount", "Currency is not supported."),
    already_captured=ErrorSpec(
        "301", "capture_already_successful", "Capture already successful for this transaction"
    ),
    capture_amount_mismatch=ErrorSpec(
        "303", "amount_greater_than_capturable", "Amount greater than maximum capturable amount"
    ),
    not_captured=ErrorSpec("111", "invalid_transaction_status", "Invalid transaction status"),
    refund_exceeds=ErrorSpec(
        "111", "refund_amount_exceeds", "Refund amount is greater than the captured amount"
    ),
    not_found=ErrorSpec("116", "not_found", "Transaction Not Found"),
    downtime=ErrorSpec(
        "E345", "technical_failure", "Transaction declined due to technical failure"
    ),
)

CCAVENUE = GatewayCatalogue(
    name="ccavenue",
    methods=("upi", "card", "netbanking", "wallet"),
    wallets=frozenset({"paytm", "mobikwik", "freecharge", "amazonpay"}),
    card_networks=frozenset({"visa", "mastercard", "rupay", "amex"}),
    latency_ms_median=SIMULATOR_PROFILES["ccavenue"].latency_ms_median,
    declines={
        "card": (
            ErrorSpec("Unsuccessful", "payment_declined_by_issuer", "Declined by the issuing bank"),
            ErrorSpec("Unsuccessful", "insufficient_funds", "Insufficient funds"),
            ErrorSpec("Aborted", "authentication_failed", "3D Secure authentication aborted"),
        ),
        "upi": _NPCI_UPI,
        "netbanking": (
            ErrorSpec("Aborted", "payment_cancelled_by_customer", "Cancelled by the customer"),
            ErrorSpec("Unsuccessful", "bank_technical_error", "Bank technical error"),
        ),
        "wallet": (
            ErrorSpec("Unsuccessful", "insufficient_wallet_balance", "Insufficient wallet balance"),
            ErrorSpec("Aborted", "otp_verification_failed", "OTP verification failed"),
        ),
    },
    timeout=ErrorSpec("Timeout", "gateway_timeout", "No response from CCAvenue; status unknown."),
    pending=ErrorSpec("Awaited", "payment_pending", "Awaited: status pending at the bank."),
    unsupported=ErrorSpec("Invalid", "payment_option_not_enabled", "Payment option not enabled."),
    invalid_amount=ErrorSpec("Invalid", "invalid_amount", "Invalid amount."),
    invalid_currency=ErrorSpec("Invalid", "invalid_currency", "Invalid currency."),
    already_captured=ErrorSpec(
        "ALREADY_CONFIRMED", "order_already_confirmed", "Order is already confirmed."
    ),
    capture_amount_mismatch=ErrorSpec(
        "AMOUNT_MISMATCH",
        "confirm_amount_mismatch",
        "Confirm amount differs from the order amount.",
    ),
    not_captured=ErrorSpec("NOT_CONFIRMED", "order_not_confirmed", "Order is not confirmed."),
    refund_exceeds=ErrorSpec(
        "REFUND_EXCEEDS", "refund_amount_exceeds", "Refund amount exceeds the confirmed amount."
    ),
    not_found=ErrorSpec("NOT_FOUND", "not_found", "Order not found."),
    downtime=ErrorSpec("Unsuccessful", "gateway_down", "Payment option is down."),
)

CATALOGUES: dict[str, GatewayCatalogue] = {c.name: c for c in (RAZORPAY, PAYU, CCAVENUE)}


def supports(
    gateway: str, method: str, *, wallet: str | None = None, card_network: str | None = None
) -> bool:
    """True if ``gateway`` takes ``method`` (and that wallet or card network)."""
    cat = CATALOGUES.get(gateway)
    return cat is not None and cat.supports(method, wallet=wallet, card_network=card_network)
