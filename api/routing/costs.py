"""What each gateway costs us per payment, against what the merchant pays us.

User need: routing must not send a payment where it loses money when an equally good gateway
is cheaper: the aggregator's margin on a payment is the merchant's contracted MDR fee minus the
gateway's price to us (its buy rate). Rates are ``int`` basis points plus an optional fixed
fee in paise; money is integer paise, rounded per ``hisaab.money`` (half up, per payment).
GST on the gateway's fee is left out: it is input tax credit, not a cost.

The default buy rates are the platform's negotiated prices (emulator values; finance edits them
here): UPI at zero MDR everywhere, cards and wallets under the merchants' typical 150-220 bps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hisaab.money import mdr_fee


@dataclass(frozen=True)
class GatewayPrice:
    """A gateway's price to us for one method."""

    bps: int
    fixed_paise: int = 0

    def cost_paise(self, amount_paise: int) -> int:
        return mdr_fee(amount_paise, self.bps) + self.fixed_paise


DEFAULT_PRICES: dict[str, dict[str, GatewayPrice]] = {
    "razorpay": {"upi": GatewayPrice(0), "card": GatewayPrice(175),
                 "netbanking": GatewayPrice(140), "wallet": GatewayPrice(170)},
    "payu": {"upi": GatewayPrice(0), "card": GatewayPrice(165),
             "netbanking": GatewayPrice(150), "wallet": GatewayPrice(160)},
    "ccavenue": {"upi": GatewayPrice(0), "card": GatewayPrice(170),
                 "netbanking": GatewayPrice(120), "wallet": GatewayPrice(180)},
}  # fmt: skip


@dataclass(frozen=True)
class CostTable:
    """Buy rates per gateway and method."""

    prices: Mapping[str, Mapping[str, GatewayPrice]] = field(default_factory=lambda: DEFAULT_PRICES)

    def cost_paise(self, gateway: str, method: str, amount_paise: int) -> int | None:
        """Our cost of sending the payment to ``gateway``; None when no price is known."""
        price = self.prices.get(gateway, {}).get(method)
        return None if price is None else price.cost_paise(amount_paise)
