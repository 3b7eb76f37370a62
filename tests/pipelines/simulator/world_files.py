"""Independent readers of a simulated world's files, used as the tests' oracle.

They read each format with a third party's reader where one exists (the ``mt-940`` package,
lxml) and with plain polars/csv otherwise, never with the simulator's own code, so a writer bug
cannot hide behind a matching reader bug.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import mt940
import polars as pl
from lxml import etree

from hisaab.money import parse_rupees


def _rupees(col: str) -> pl.Expr:
    return pl.col(col).map_elements(parse_rupees, return_dtype=pl.Int64)


def read_gateway_lines(landing: Path) -> pl.DataFrame:
    """All three gateways' settlement lines in one canonical frame (amounts in paise)."""
    frames = []
    for f in sorted((landing / "razorpay").rglob("*.csv")):
        df = pl.read_csv(f, infer_schema=False)
        frames.append(
            df.select(
                gateway=pl.lit("razorpay"),
                line_type=pl.col("type").replace({"adjustment": "chargeback"}),
                gateway_payment_id=pl.col("payment_id"),
                entity_id=pl.col("entity_id"),
                our_payment_id=pl.col("order_receipt"),
                amount_paise=pl.col("amount").cast(pl.Int64),
                fee_paise=pl.col("fee").cast(pl.Int64) - pl.col("tax").cast(pl.Int64),
                tax_paise=pl.col("tax").cast(pl.Int64),
                net_paise=pl.col("credit").cast(pl.Int64) - pl.col("debit").cast(pl.Int64),
                settlement_id=pl.col("settlement_id"),
                settlement_utr=pl.col("settlement_utr"),
                settled_on=pl.lit(f.parent.name).str.to_date(),
            )
        )
    for f in sorted((landing / "payu").rglob("*.csv")):
        df = pl.read_csv(f, infer_schema=False)
        frames.append(
            df.select(
                gateway=pl.lit("payu"),
                line_type=pl.col("action").replace({"capture": "payment"}),
                gateway_payment_id=pl.col("payuid"),
                entity_id=pl.when(pl.col("action") == "capture")
                .then(pl.col("payuid"))
                .otherwise(pl.col("refund_id")),
                our_payment_id=pl.col("txnid"),
                amount_paise=_rupees("amount"),
                fee_paise=_rupees("mer_service_fee"),
                tax_paise=_rupees("mer_service_tax"),
                net_paise=_rupees("mer_net_amount"),
                settlement_id=pl.col("settlement_id"),
                settlement_utr=pl.col("mer_utr"),
                settled_on=pl.col("settlement_date").str.to_date(),
            )
        )
    for f in sorted((landing / "ccavenue").rglob("*.csv")):
        df = pl.read_csv(f, infer_schema=False)
        frames.append(
            df.select(
                gateway=pl.lit("ccavenue"),
                line_type=pl.col("Transaction Type").replace(
                    {"Sale": "payment", "Refund": "refund", "Chargeback": "chargeback"}
                ),
                gateway_payment_id=pl.col("Reference No"),
                entity_id=pl.col("Reference No"),
                our_payment_id=pl.col("Order No"),
                amount_paise=_rupees("Amount"),
                fee_paise=_rupees("Fees"),
                tax_paise=_rupees("Tax"),
                net_paise=_rupees("Net Amount"),
                settlement_id=pl.col("Payout Reference"),
                settlement_utr=pl.col("UTR No"),
                settled_on=pl.col("Settlement Date").str.to_date("%d-%m-%Y"),
            )
        )
    return pl.concat(frames)


def read_upi_switch(landing: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    txns = pl.concat(
        [
            pl.read_csv(f, infer_schema=False)
            for f in sorted(landing.rglob("upi_switch_report_*.csv"))
        ]
    ).with_columns(amount_paise=_rupees("amount"))
    adj_files = sorted(landing.rglob("upi_adjustment_report_*.csv"))
    adjustments = (
        pl.concat([pl.read_csv(f, infer_schema=False) for f in adj_files]).with_columns(
            amount_paise=_rupees("amount")
        )
        if adj_files
        else pl.DataFrame(schema={"rrn": pl.String, "adj_type": pl.String})
    )
    return txns, adjustments


def _paise(amount: Decimal) -> int:
    cents = amount * 100
    assert cents == cents.to_integral_value()
    return int(cents)


def read_mt940(path: Path) -> dict[str, object]:
    transactions = mt940.models.Transactions()
    transactions.parse(path.read_text("ascii"))
    data = transactions.data
    entries = [
        {
            "signed_paise": _paise(t.data["amount"].amount),
            "narration": t.data.get("transaction_details", "") or "",
            "reference": t.data.get("customer_reference", ""),
        }
        for t in transactions
    ]
    return {
        "opening": _paise(data["final_opening_balance"].amount.amount),
        "closing": _paise(data["final_closing_balance"].amount.amount),
        "entries": entries,
    }


def read_camt053(path: Path) -> dict[str, object]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(path.read_bytes(), parser)
    ns = {"c": root.nsmap[None]}

    def signed(el: etree._Element) -> int:
        amount = _paise(Decimal(el.findtext("c:Amt", namespaces=ns)))
        return amount if el.findtext("c:CdtDbtInd", namespaces=ns) == "CRDT" else -amount

    balances = {
        b.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=ns): signed(b)
        for b in root.iterfind(".//c:Stmt/c:Bal", ns)
    }
    entries = [
        {
            "signed_paise": signed(n),
            "narration": n.findtext("c:AddtlNtryInf", default="", namespaces=ns),
            "reference": n.findtext(".//c:Refs/c:EndToEndId", default="", namespaces=ns),
        }
        for n in root.iterfind(".//c:Stmt/c:Ntry", ns)
    ]
    return {"opening": balances["OPBD"], "closing": balances["CLBD"], "entries": entries}


def read_bank_csv(path: Path) -> dict[str, object]:
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header_at = next(i for i, r in enumerate(rows) if r[:2] == ["Date", "Narration"])
    entries, closing_balances = [], []
    for r in rows[header_at + 1 :]:
        if not r or not r[0][:2].isdigit():
            break
        debit = parse_rupees(r[4]) if r[4] else 0
        credit = parse_rupees(r[5]) if r[5] else 0
        entries.append({"signed_paise": credit - debit, "narration": r[1], "reference": r[2]})
        closing_balances.append(parse_rupees(r[6]))
    summary_at = next(i for i, r in enumerate(rows) if r[:1] == ["Opening Balance"])
    values = rows[summary_at + 1]
    return {
        "opening": parse_rupees(values[0]),
        "closing": parse_rupees(values[5]),
        "entries": entries,
        "running": closing_balances,
    }


READERS = {"bank_icici": ("*.sta", read_mt940), "bank_axis": ("*.xml", read_camt053),
           "bank_hdfc": ("*.csv", read_bank_csv)}  # fmt: skip


def read_statements(landing: Path) -> dict[str, list[dict[str, object]]]:
    """Per bank source, its statements in date order."""
    out = {}
    for source, (pattern, reader) in READERS.items():
        out[source] = [reader(p) for p in sorted((landing / source).rglob(pattern))]
    return out


def bank_entries(landing: Path) -> pl.DataFrame:
    rows = []
    for source, statements in read_statements(landing).items():
        for st in statements:
            for e in st["entries"]:  # type: ignore[attr-defined]
                rows.append({"bank_source": source, **e})
    return pl.DataFrame(rows)


_UTR_RE = re.compile(r"\b(?:[A-Z]{4}RC\d{16}|[A-Z]{4}N\d{11}|\d{12})\b")


def utr_in(text: str) -> str | None:
    """The NEFT/RTGS UTR or IMPS/UPI RRN printed in a narration (the tests' own pattern)."""
    m = _UTR_RE.search(text.upper())
    return m.group(0) if m else None
