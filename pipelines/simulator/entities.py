"""The simulated world's merchants and customers: who sells, who pays, and with which instruments.

Every user of Hisaab works on data that starts here: the finance analyst's break queue, the risk
analyst's BNPL features and the compliance officer's AML alerts all trace back to a merchant row
(KYC identifiers, settlement bank account, MDR pricing, gateways) or a customer row (name,
phone, UPI VPA, card, bank). The rows must therefore look like India: valid PAN/GSTIN/IFSC/VPA
(checked with ``hisaab.kyc``), GST state codes consistent with the city, realistic UPI handle,
card network and bank shares, and names from across regions and religions with their common
transliteration variants (Mohammed/Muhammad/Mohd, Lakshmi/Laxmi, Chaudhary/Choudhary), which the
AML name screening has to cope with.

Determinism: ``generate_merchants(seed, n)`` and ``generate_customers(seed, n)`` return identical
frames for the same arguments. Each table draws from ``SeedSequence([seed, NAMESPACE])`` with its
own ``NAMESPACE``; each column group takes a numbered child stream of it
(``spawn_key=(stream,)``), so adding a column later with a new stream number leaves every existing
column unchanged. Ids come from ``hisaab.ids.derived_ids``/``derived_bodies``.

Customers are generated column-wise with numpy and polars expressions (2,000,000 rows in a few
seconds); merchants (at most a few thousand) use a short Python loop where names must be unique.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl
import pyarrow as pa

from hisaab.ids import PREFIXES, derived_bodies, derived_ids, splitmix64
from hisaab.kyc import GST_STATE_CODES, make_gstin

# The first simulated business day: every merchant and customer exists before it.
WORLD_START = date(2026, 11, 1)
# The aggregator is registered for GST in Maharashtra: merchants there pay CGST + SGST on fees,
# everyone else IGST.
HOME_STATE_CODE = "27"
# The aggregator's own UPI handle, under which merchant VPAs are issued.
MERCHANT_VPA_SUFFIX = ".hisaab@axisbank"

# Namespaces keep the random streams and derived ids of each table apart. They must stay below
# 1_000_003 (``hisaab.ids`` mixes ``seed * 1_000_003 + namespace``).
NAMESPACE_MERCHANTS = 1_101
NAMESPACE_CUSTOMERS = 1_102
NAMESPACE_CARD_TOKENS = 1_103

GATEWAYS = ("razorpay", "payu", "ccavenue")
PAYMENT_METHODS = ("upi", "card", "netbanking", "wallet")
RISK_TIERS = ("low", "medium", "high")


# --- categories -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """A merchant category: its MCC, what a typical payment looks like, and how people pay."""

    name: str  # the ``category`` column value
    label: str
    mcc: str  # ISO 18245 merchant category code, 4 digits
    ticket_median_paise: int  # median payment amount
    ticket_sigma: float  # lognormal sigma of the payment amount around the median
    method_mix: dict[str, float] = field(hash=False)  # share of payments by PAYMENT_METHODS
    risk_tier: str  # low / medium / high
    merchant_share: float  # share of the aggregator's merchants in this category
    trade_words: tuple[str, ...]  # how such businesses name themselves ("Kirana Stores")

    def __post_init__(self) -> None:
        if set(self.method_mix) != set(PAYMENT_METHODS):
            raise ValueError(f"{self.name}: method_mix keys must be {PAYMENT_METHODS}")
        if not math.isclose(sum(self.method_mix.values()), 1.0, abs_tol=1e-9):
            raise ValueError(f"{self.name}: method_mix must sum to 1")
        if self.risk_tier not in RISK_TIERS:
            raise ValueError(f"{self.name}: risk_tier must be one of {RISK_TIERS}")
        if len(self.mcc) != 4 or not self.mcc.isdigit():
            raise ValueError(f"{self.name}: mcc must be 4 digits")


def _mix(upi: float, card: float, netbanking: float, wallet: float) -> dict[str, float]:
    return {"upi": upi, "card": card, "netbanking": netbanking, "wallet": wallet}


CATEGORIES: dict[str, Category] = {
    c.name: c
    for c in (
        Category(
            "grocery", "Grocery and supermarkets", "5411", 45_000, 0.75,
            _mix(0.82, 0.10, 0.02, 0.06), "low", 0.17,
            ("Kirana Stores", "Supermart", "Provision Stores", "Fresh Mart", "General Stores"),
        ),
        Category(
            "electronics", "Electronics and mobiles", "5732", 850_000, 1.00,
            _mix(0.40, 0.48, 0.07, 0.05), "medium", 0.09,
            ("Electronics", "Mobile Point", "Digital World", "Appliances", "Computers"),
        ),
        Category(
            "restaurants", "Restaurants and food delivery", "5812", 60_000, 0.70,
            _mix(0.72, 0.18, 0.02, 0.08), "low", 0.15,
            ("Restaurant", "Foods", "Kitchen", "Caterers", "Bhojanalaya", "Cafe"),
        ),
        Category(
            "education", "Schools, coaching and ed-tech", "8299", 1_200_000, 0.90,
            _mix(0.45, 0.20, 0.33, 0.02), "low", 0.07,
            ("Academy", "Classes", "Institute", "Learning", "Edutech"),
        ),
        Category(
            "utilities", "Electricity, gas, broadband and DTH", "4900", 120_000, 0.80,
            _mix(0.65, 0.10, 0.15, 0.10), "low", 0.05,
            ("Broadband", "Gas Agency", "Power Services", "Cable Network", "Utility Services"),
        ),
        Category(
            "travel", "Travel agencies and tour operators", "4722", 450_000, 0.90,
            _mix(0.45, 0.38, 0.12, 0.05), "medium", 0.06,
            ("Tours and Travels", "Holidays", "Travels", "Yatra Services", "Cab Services"),
        ),
        Category(
            "apparel", "Clothing and fashion", "5651", 180_000, 0.80,
            _mix(0.60, 0.30, 0.04, 0.06), "low", 0.12,
            ("Fashions", "Garments", "Textiles", "Sarees", "Collections"),
        ),
        Category(
            "pharmacy", "Chemists and pharmacies", "5912", 55_000, 0.80,
            _mix(0.75, 0.15, 0.03, 0.07), "low", 0.10,
            ("Medicals", "Pharmacy", "Chemists", "Medical Stores", "Healthcare"),
        ),
        Category(
            "jewellery", "Jewellers", "5944", 3_500_000, 1.10,
            _mix(0.35, 0.45, 0.18, 0.02), "medium", 0.05,
            ("Jewellers", "Gold Palace", "Gems and Jewels", "Ornaments", "Bullion"),
        ),
        Category(
            "online_gaming", "Online gaming and esports", "7994", 30_000, 1.20,
            _mix(0.80, 0.05, 0.05, 0.10), "high", 0.04,
            ("Gaming", "Games", "Esports", "Play", "Arcade"),
        ),
        Category(
            "digital_goods", "Subscriptions and digital goods", "5815", 19_900, 0.90,
            _mix(0.55, 0.35, 0.03, 0.07), "medium", 0.10,
            ("Digital", "Media", "Streaming", "Apps", "Software"),
        ),
    )
}  # fmt: skip


# --- places -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    """A city, its state (by GST state code) and tier, and how many of our users live there."""

    name: str
    gst_state_code: str
    tier: int  # 1 metro, 2 large city, 3 smaller city
    customer_weight: float
    merchant_weight: float
    name_profile: str  # key of _NAME_PROFILES: which communities' names are common here

    @property
    def state(self) -> str:
        return GST_STATE_CODES[self.gst_state_code]


CITIES: tuple[City, ...] = (
    City("Mumbai", "27", 1, 12.0, 14.0, "maharashtra"),
    City("Delhi", "07", 1, 12.0, 13.0, "north"),
    City("Bengaluru", "29", 1, 11.0, 13.0, "deccan"),
    City("Hyderabad", "36", 1, 8.0, 8.0, "deccan"),
    City("Chennai", "33", 1, 7.0, 7.0, "tamil"),
    City("Kolkata", "19", 1, 6.0, 5.0, "east"),
    City("Pune", "27", 1, 6.0, 6.0, "maharashtra"),
    City("Ahmedabad", "24", 1, 5.0, 5.0, "gujarat"),
    City("Jaipur", "08", 2, 3.0, 2.5, "north"),
    City("Lucknow", "09", 2, 3.0, 2.0, "hindi_heartland"),
    City("Surat", "24", 2, 3.0, 2.5, "gujarat"),
    City("Kanpur", "09", 2, 2.0, 1.2, "hindi_heartland"),
    City("Nagpur", "27", 2, 2.0, 1.5, "maharashtra"),
    City("Indore", "23", 2, 2.0, 1.5, "north"),
    City("Bhopal", "23", 2, 1.5, 1.0, "north"),
    City("Patna", "10", 2, 2.0, 1.0, "hindi_heartland"),
    City("Vadodara", "24", 2, 1.5, 1.2, "gujarat"),
    City("Ludhiana", "03", 2, 1.5, 1.2, "punjab"),
    City("Kochi", "32", 2, 1.5, 1.2, "kerala"),
    City("Coimbatore", "33", 2, 1.5, 1.2, "tamil"),
    City("Visakhapatnam", "37", 2, 1.5, 1.0, "deccan"),
    City("Chandigarh", "04", 2, 1.2, 1.2, "punjab"),
    City("Bhubaneswar", "21", 2, 1.2, 0.8, "east"),
    City("Guwahati", "18", 2, 1.2, 0.8, "east"),
    City("Thiruvananthapuram", "32", 2, 1.0, 0.8, "kerala"),
    City("Gurugram", "06", 2, 2.0, 3.0, "north"),
    City("Noida", "09", 2, 1.5, 2.0, "north"),
    City("Ranchi", "20", 2, 1.0, 0.6, "hindi_heartland"),
    City("Raipur", "22", 2, 0.8, 0.6, "hindi_heartland"),
    City("Dehradun", "05", 2, 0.8, 0.6, "north"),
    City("Kolhapur", "27", 3, 0.6, 0.5, "maharashtra"),
    City("Udaipur", "08", 3, 0.5, 0.4, "north"),
    City("Hubballi", "29", 3, 0.5, 0.4, "deccan"),
    City("Siliguri", "19", 3, 0.5, 0.4, "east"),
    City("Jammu", "01", 3, 0.6, 0.5, "kashmir"),
    City("Shimla", "02", 3, 0.4, 0.3, "north"),
    City("Panaji", "30", 3, 0.4, 0.5, "goa"),
    City("Gangtok", "11", 3, 0.2, 0.2, "himalayan"),
    City("Agartala", "16", 3, 0.3, 0.2, "east"),
    City("Leh", "38", 3, 0.1, 1.2, "himalayan"),  # Ladakh: GST code 38, unknown to stdnum 2.2
)


# --- banks, cards, wallets, UPI handles -------------------------------------------------------


@dataclass(frozen=True)
class Bank:
    """An Indian bank: its IFSC/netbanking code, how long its account numbers are, and shares."""

    code: str  # the 4 letters of the IFSC, also the netbanking bank code
    name: str
    account_prefix: str  # current-account numbers start like this (leading zeros are real)
    account_length: int
    merchant_weight: float  # share of merchants' settlement accounts
    issuer_weight: float  # share of customers' cards
    netbanking_weight: float  # share of customers' netbanking

    @property
    def ifsc_prefix(self) -> str:
        return self.code + "0"


BANKS: tuple[Bank, ...] = (
    Bank("HDFC", "HDFC Bank", "502000", 14, 0.22, 0.18, 0.17),
    Bank("ICIC", "ICICI Bank", "00", 12, 0.18, 0.15, 0.14),
    Bank("SBIN", "State Bank of India", "3", 11, 0.14, 0.20, 0.28),
    Bank("UTIB", "Axis Bank", "91", 15, 0.14, 0.12, 0.10),
    Bank("KKBK", "Kotak Mahindra Bank", "", 10, 0.08, 0.07, 0.07),
    Bank("YESB", "Yes Bank", "0", 15, 0.06, 0.02, 0.02),
    Bank("PUNB", "Punjab National Bank", "", 16, 0.03, 0.04, 0.05),
    Bank("BARB", "Bank of Baroda", "", 14, 0.04, 0.05, 0.06),
    Bank("INDB", "IndusInd Bank", "2", 12, 0.03, 0.04, 0.02),
    Bank("IDFB", "IDFC FIRST Bank", "1", 11, 0.03, 0.03, 0.02),
    Bank("CNRB", "Canara Bank", "", 13, 0.02, 0.03, 0.03),
    Bank("UBIN", "Union Bank of India", "", 15, 0.02, 0.03, 0.03),
    Bank("RATN", "RBL Bank", "", 12, 0.005, 0.03, 0.005),
    Bank("AUBL", "AU Small Finance Bank", "", 16, 0.005, 0.01, 0.005),
)

CARD_TYPES = ("credit", "debit", "prepaid")
_CARD_TYPE_SHARES = (0.50, 0.45, 0.05)
CARD_NETWORKS = ("Visa", "Mastercard", "RuPay", "Amex")
# Network share given the card type: RuPay leads debit, Visa leads credit, Amex is credit only.
_NETWORK_SHARES_BY_TYPE = {
    "credit": (0.45, 0.32, 0.18, 0.05),
    "debit": (0.28, 0.17, 0.55, 0.0),
    "prepaid": (0.40, 0.35, 0.25, 0.0),
}
AMEX_ISSUER = "American Express"

WALLETS = ("paytm", "phonepe", "amazonpay", "mobikwik", "freecharge")
_WALLET_SHARES = (0.35, 0.25, 0.25, 0.10, 0.05)

# UPI PSP handles with their share of customers, and how often a user of that app keeps the
# phone-number VPA the app proposes (PhonePe and Paytm do; Google Pay proposes name-based ones).
UPI_HANDLES: tuple[tuple[str, float, float], ...] = (
    ("ybl", 0.30, 0.85),  # PhonePe
    ("ibl", 0.10, 0.85),  # PhonePe
    ("axl", 0.08, 0.85),  # PhonePe
    ("okhdfcbank", 0.10, 0.15),  # Google Pay
    ("okicici", 0.08, 0.15),  # Google Pay
    ("oksbi", 0.10, 0.15),  # Google Pay
    ("okaxis", 0.07, 0.15),  # Google Pay
    ("paytm", 0.04, 0.80),  # Paytm (before the 2024 migration)
    ("ptyes", 0.03, 0.80),  # Paytm
    ("ptsbi", 0.02, 0.80),  # Paytm
    ("apl", 0.03, 0.60),  # Amazon Pay
    ("upi", 0.02, 0.50),  # BHIM
    ("icici", 0.01, 0.30),  # bank apps
    ("hdfcbank", 0.01, 0.30),
    ("axisbank", 0.01, 0.30),
)

EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 0.72),
    ("yahoo.com", 0.07),
    ("yahoo.co.in", 0.05),
    ("outlook.com", 0.05),
    ("hotmail.com", 0.04),
    ("rediffmail.com", 0.04),
    ("icloud.com", 0.03),
)


# --- names ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameGroup:
    """Given names and surnames common in one community, most common first.

    Spelling variants are listed as separate names on purpose (the AML screening must match
    ``Mohd Irfan Shaikh`` against ``Mohammed Irfan Sheikh``).
    """

    name: str
    male_first: tuple[str, ...]
    female_first: tuple[str, ...]
    surnames: tuple[str, ...]
    female_surnames: tuple[str, ...] = ()  # when women's surnames differ (Kaur); else surnames


NAME_GROUPS: tuple[NameGroup, ...] = (
    NameGroup(
        "hindi",
        ("Rahul", "Amit", "Rohit", "Vikas", "Ankit", "Saurabh", "Manish", "Rajesh", "Sunil",
         "Anil", "Deepak", "Sandeep", "Pankaj", "Vivek", "Abhishek", "Aditya", "Arjun", "Ramesh",
         "Suresh", "Gaurav", "Nitin", "Ravi", "Sachin", "Ajay", "Vijay", "Alok", "Ashish",
         "Kunal", "Mohit", "Nikhil", "Rakesh", "Sanjay", "Shubham", "Aarav", "Vishal", "Pradeep",
         "Dinesh", "Ram Prakash", "Shyam"),
        ("Priya", "Neha", "Pooja", "Anjali", "Sneha", "Kavita", "Sunita", "Rekha", "Shweta",
         "Nisha", "Ritu", "Swati", "Divya", "Komal", "Payal", "Preeti", "Jyoti", "Manisha",
         "Sapna", "Aarti", "Ananya", "Isha", "Shreya", "Sakshi", "Laxmi", "Lakshmi", "Geeta",
         "Gita", "Seema", "Radha", "Meera", "Anita", "Kiran", "Poonam", "Sushila"),
        ("Sharma", "Verma", "Gupta", "Singh", "Kumar", "Yadav", "Agarwal", "Mishra", "Tiwari",
         "Pandey", "Srivastava", "Jain", "Chaudhary", "Dubey", "Aggarwal", "Saxena", "Agrawal",
         "Choudhary", "Shrivastava", "Bansal", "Goel", "Goyal", "Tripathi", "Shukla", "Chauhan",
         "Rathore", "Thakur", "Maurya", "Prasad", "Sinha", "Jha", "Chaudhry", "Rastogi"),
    ),
    NameGroup(
        "marathi_gujarati",
        ("Rohan", "Siddharth", "Aniket", "Omkar", "Sagar", "Tushar", "Mayur", "Swapnil",
         "Ganesh", "Vinayak", "Prathamesh", "Hardik", "Jignesh", "Chirag", "Hitesh", "Bhavesh",
         "Nilesh", "Paresh", "Ketan", "Dhaval", "Parth", "Mihir", "Viral", "Kiran"),
        ("Pooja", "Sayali", "Snehal", "Ashwini", "Pallavi", "Rutuja", "Shraddha", "Madhuri",
         "Prajakta", "Komal", "Hetal", "Krupa", "Nidhi", "Dhara", "Bhavna", "Jinal", "Riddhi",
         "Foram", "Mansi", "Urvi", "Laxmi"),
        ("Patil", "Shah", "Patel", "Deshmukh", "Kulkarni", "Joshi", "Jadhav", "Pawar", "Shinde",
         "Mehta", "Desai", "Gaikwad", "Deshpande", "More", "Chavan", "Kale", "Modi", "Parikh",
         "Trivedi", "Bhatt", "Pandya", "Thakkar", "Solanki", "Vaghela", "Naik"),
    ),
    NameGroup(
        "tamil",
        ("Karthik", "Arun", "Senthil", "Vignesh", "Prakash", "Saravanan", "Balaji", "Ganesh",
         "Venkatesh", "Srinivasan", "Manikandan", "Murugan", "Hari", "Siva", "Shiva", "Gopal",
         "Raghav", "Dinesh", "Karthikeyan", "Selvam"),
        ("Lakshmi", "Priya", "Divya", "Kavya", "Meena", "Revathi", "Deepa", "Gayathri",
         "Gayatri", "Anitha", "Sangeetha", "Kavitha", "Nandhini", "Nandini", "Sowmya",
         "Saranya", "Janani", "Bhavani", "Keerthana"),
        ("Krishnan", "Subramanian", "Iyer", "Ramasamy", "Natarajan", "Venkatesan", "Rajendran",
         "Iyengar", "Pillai", "Sundaram", "Raman", "Balasubramanian", "Chandrasekaran",
         "Narayanan", "Gopalan", "Srinivasan", "Murugesan", "Subramaniam"),
    ),
    NameGroup(
        "telugu_kannada",
        ("Srinivas", "Venkat", "Ravi", "Kiran", "Naveen", "Praveen", "Mahesh", "Raghu", "Sai",
         "Chaitanya", "Harsha", "Vamsi", "Teja", "Manjunath", "Nagaraj", "Santosh", "Sreenivas",
         "Shrinivas", "Sudheer", "Prasad"),
        ("Lakshmi", "Sravani", "Swathi", "Anusha", "Bhavya", "Deepika", "Harika", "Sirisha",
         "Padma", "Sushma", "Pavithra", "Rashmi", "Shilpa", "Sahana", "Roopa", "Swati",
         "Laxmi"),
        ("Reddy", "Rao", "Naidu", "Gowda", "Shetty", "Chowdary", "Varma", "Goud", "Hegde",
         "Murthy", "Bhat", "Kamath", "Pai", "Rai", "Setty", "Choudary", "Reddi"),
    ),
    NameGroup(
        "malayali",
        ("Anoop", "Rajeev", "Sreejith", "Arjun", "Vishnu", "Abhilash", "Akhil", "Jithin",
         "Midhun", "Nithin", "Sanju", "Unnikrishnan", "Sreekumar"),
        ("Anjali", "Aswathy", "Athira", "Lakshmi", "Reshma", "Sreelakshmi", "Divya", "Neethu",
         "Parvathy", "Remya", "Arya"),
        ("Nair", "Menon", "Pillai", "Kurup", "Nambiar", "Panicker", "Warrier", "Krishnan",
         "Kumar", "Raj", "Nayar"),
    ),
    NameGroup(
        "bengali_odia_assamese",
        ("Arijit", "Soumya", "Sourav", "Subhajit", "Debashis", "Abhijit", "Anirban", "Arnab",
         "Sayan", "Tanmoy", "Partha", "Biswajit", "Indranil", "Sandip", "Prasenjit", "Pritam",
         "Bikash", "Manas", "Debasish"),
        ("Moumita", "Priyanka", "Sreeja", "Tanushree", "Ankita", "Rituparna", "Sudeshna",
         "Payel", "Debjani", "Madhumita", "Puja", "Sushmita", "Shreya", "Lakshmi"),
        ("Das", "Ghosh", "Banerjee", "Chatterjee", "Mukherjee", "Roy", "Dutta", "Bose", "Sen",
         "Chakraborty", "Bhattacharya", "Saha", "Mondal", "Sarkar", "Basu", "Datta", "Pal",
         "Mandal", "Bandyopadhyay", "Chattopadhyay", "Mukhopadhyay", "Mohanty", "Patnaik",
         "Pattnaik", "Barua", "Bora", "Kalita", "Gogoi"),
    ),
    NameGroup(
        "punjabi_sikh",
        ("Gurpreet", "Harpreet", "Manpreet", "Jaspreet", "Simranjeet", "Harjeet", "Gurdeep",
         "Kuldeep", "Jaswinder", "Balwinder", "Amrit", "Harinder", "Sukhwinder", "Navjot",
         "Hardeep", "Paramjit", "Ranjit", "Rohan", "Karan"),
        ("Gurpreet", "Harpreet", "Manpreet", "Jaspreet", "Simran", "Navneet", "Rajwinder",
         "Amandeep", "Kamaljeet", "Harleen", "Jasleen", "Sukhpreet", "Amrit", "Neha"),
        ("Singh", "Gill", "Sandhu", "Sidhu", "Dhillon", "Grewal", "Brar", "Arora", "Bajwa",
         "Randhawa", "Sekhon", "Malhotra", "Kapoor", "Khanna", "Ahluwalia", "Kohli", "Chopra",
         "Bedi", "Bhatia"),
        ("Kaur", "Kaur", "Kaur", "Gill", "Sandhu", "Sidhu", "Dhillon", "Arora", "Malhotra",
         "Kapoor", "Khanna", "Kohli"),
    ),
    NameGroup(
        "muslim",
        ("Mohammed", "Mohd", "Mohammad", "Muhammad", "Md", "Mohd Irfan", "Mohammed Asif",
         "Abdul", "Ahmed", "Ahmad", "Imran", "Irfan", "Salman", "Shahid", "Faisal", "Arif",
         "Asif", "Aamir", "Amir", "Sameer", "Zaid", "Yusuf", "Yousuf", "Rizwan", "Tariq",
         "Javed", "Sajid", "Wasim", "Nadeem", "Mustafa", "Farhan", "Md Sajid", "Syed Arif"),
        ("Fatima", "Fathima", "Ayesha", "Aisha", "Zainab", "Sana", "Nazia", "Rukhsar",
         "Shabana", "Farhana", "Nasreen", "Tabassum", "Heena", "Hina", "Rubina", "Saba",
         "Afreen", "Sultana", "Ruksana", "Mehreen"),
        ("Khan", "Shaikh", "Sheikh", "Ansari", "Qureshi", "Siddiqui", "Syed", "Sayyed",
         "Hussain", "Husain", "Hussein", "Mirza", "Pathan", "Ali", "Rahman", "Rehman", "Malik",
         "Baig", "Beg", "Farooqui", "Shaik"),
    ),
    NameGroup(
        "christian",
        ("Joseph", "Thomas", "George", "John", "Mathew", "Matthew", "Jacob", "Anthony",
         "Francis", "Sebastian", "Paul", "Peter", "Samuel", "Daniel", "Abraham", "Joel", "Jose",
         "Cyril"),
        ("Mary", "Maria", "Elizabeth", "Annie", "Anna", "Teresa", "Grace", "Jessy", "Sherin",
         "Lisa", "Sophia", "Rachel", "Cynthia", "Priscilla", "Merlyn", "Jincy"),
        ("Joseph", "Thomas", "George", "Mathew", "Varghese", "D'Souza", "Fernandes", "Pereira",
         "Rodrigues", "Kurian", "Abraham", "Verghese", "Dsouza", "Fernandez", "D'Costa",
         "Pinto", "Lobo", "Menezes", "Gomes", "Philip", "Jacob", "Chacko"),
    ),
    NameGroup(
        "himalayan",
        ("Tsering", "Stanzin", "Tenzin", "Sonam", "Dorje", "Karma", "Pemba", "Nima", "Jigmet",
         "Rigzin", "Phuntsog"),
        ("Dolma", "Padma", "Yangchen", "Dechen", "Lhamo", "Sonam", "Tenzin", "Pema", "Diskit",
         "Chorol", "Tsering"),
        ("Namgyal", "Dorje", "Bhutia", "Lepcha", "Tamang", "Sherpa", "Gurung", "Rai",
         "Pradhan", "Norbu", "Wangchuk"),
        ("Angmo", "Dolkar", "Namgyal", "Bhutia", "Lepcha", "Tamang", "Sherpa", "Gurung",
         "Pradhan", "Wangmo"),
    ),
)  # fmt: skip

_GROUP_INDEX = {g.name: i for i, g in enumerate(NAME_GROUPS)}

# Which communities' names are common in a city, by profile (weights, normalised in use).
_NAME_PROFILES: dict[str, dict[str, float]] = {
    "north": {"hindi": 62, "punjabi_sikh": 10, "muslim": 14, "marathi_gujarati": 3,
              "bengali_odia_assamese": 4, "christian": 2, "tamil": 2, "telugu_kannada": 2,
              "malayali": 1},
    "hindi_heartland": {"hindi": 74, "muslim": 19, "punjabi_sikh": 2, "bengali_odia_assamese": 3,
                        "christian": 1, "marathi_gujarati": 1},
    "punjab": {"punjabi_sikh": 58, "hindi": 25, "muslim": 6, "christian": 3,
               "marathi_gujarati": 2, "bengali_odia_assamese": 2, "tamil": 2,
               "telugu_kannada": 2},
    "maharashtra": {"marathi_gujarati": 45, "hindi": 20, "muslim": 14, "christian": 5,
                    "tamil": 3, "telugu_kannada": 4, "malayali": 3, "bengali_odia_assamese": 3,
                    "punjabi_sikh": 3},
    "gujarat": {"marathi_gujarati": 66, "hindi": 16, "muslim": 12, "punjabi_sikh": 2,
                "christian": 2, "tamil": 1, "telugu_kannada": 1},
    "deccan": {"telugu_kannada": 45, "tamil": 10, "hindi": 12, "muslim": 15, "malayali": 6,
               "christian": 5, "marathi_gujarati": 3, "bengali_odia_assamese": 2,
               "punjabi_sikh": 2},
    "tamil": {"tamil": 66, "telugu_kannada": 8, "muslim": 8, "christian": 8, "malayali": 5,
              "hindi": 4, "marathi_gujarati": 1},
    "kerala": {"malayali": 55, "christian": 20, "muslim": 20, "tamil": 3, "hindi": 2},
    "east": {"bengali_odia_assamese": 60, "hindi": 20, "muslim": 15, "christian": 2,
             "himalayan": 1, "punjabi_sikh": 1, "marathi_gujarati": 1},
    "kashmir": {"muslim": 45, "hindi": 35, "punjabi_sikh": 15, "himalayan": 3, "christian": 2},
    "goa": {"christian": 40, "marathi_gujarati": 38, "hindi": 10, "muslim": 8, "malayali": 2,
            "telugu_kannada": 2},
    "himalayan": {"himalayan": 55, "muslim": 15, "hindi": 15, "bengali_odia_assamese": 8,
                  "punjabi_sikh": 5, "christian": 2},
}  # fmt: skip

# Brand-like stems merchants use besides their family name.
_BRAND_STEMS = (
    "Shree Ganesh", "Sai", "Om Sai", "Balaji", "Lakshmi", "Mahalaxmi", "Bluestone", "Sunrise",
    "Green Leaf", "Metro", "Apex", "Zenith", "Navkar", "Saraswati", "Annapurna", "Kaveri",
    "Silverline", "Urban", "Star", "Galaxy", "Pioneer", "Evergreen", "Trident", "Vedant",
    "Shubh", "Jai Hind", "New India", "Crescent", "Al Noor", "Bismillah", "Golden", "Sai Krupa",
    "Sri Venkateswara", "Tirupati", "Kohinoor", "Paras", "Neelkanth", "Ganga", "Yamuna",
    "Indus", "Deccan", "Sahyadri", "Konark", "Ajanta", "Lotus", "Peacock", "Banyan", "Saffron",
    "Monsoon", "Chai Point", "Royal", "Prime", "Bharat", "Swadeshi", "Udaan", "Mitra",
)  # fmt: skip
# Prefixes that tell two same-named shops apart.
_QUALIFIERS = ("New", "Sri", "Royal", "City", "Modern", "Grand", "National", "Super", "Janata")
_PROPRIETOR_MIDDLE = ("Kumar", "Lal", "Prasad", "Chand", "Nath")

# Entity mix per category (company C, LLP F, proprietor P): shops are often proprietorships,
# online businesses are companies.
_ENTITY_TYPES = ("C", "F", "P")
_DEFAULT_ENTITY_MIX = (0.35, 0.20, 0.45)
_ENTITY_MIX = {
    "online_gaming": (0.85, 0.15, 0.0),
    "digital_goods": (0.75, 0.20, 0.05),
    "utilities": (0.85, 0.10, 0.05),
    "education": (0.55, 0.25, 0.20),
    "travel": (0.45, 0.25, 0.30),
}

# Column order and dtypes of the generated tables (data contracts and tests use these).
MERCHANT_SCHEMA: dict[str, pl.DataType] = {
    "merchant_id": pl.String(),
    "legal_name": pl.String(),
    "trade_name": pl.String(),
    "category": pl.String(),
    "mcc": pl.String(),
    "city": pl.String(),
    "state": pl.String(),
    "gst_state_code": pl.String(),
    "pan": pl.String(),
    "gstin": pl.String(),
    "bank_ifsc": pl.String(),
    "bank_account_number": pl.String(),
    "beneficiary_name": pl.String(),
    "merchant_vpa": pl.String(),
    "onboarded_on": pl.Date(),
    "settlement_cycle_days": pl.Int8(),
    "mdr_bps_upi": pl.Int32(),
    "mdr_bps_card": pl.Int32(),
    "mdr_bps_netbanking": pl.Int32(),
    "mdr_bps_wallet": pl.Int32(),
    "gateways": pl.List(pl.String()),
    "volume_weight": pl.Float64(),
    "risk_tier": pl.String(),
    "is_intra_state": pl.Boolean(),
}
CUSTOMER_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "first_name": pl.String(),
    "last_name": pl.String(),
    "full_name": pl.String(),
    "gender": pl.String(),
    "date_of_birth": pl.Date(),
    "phone": pl.String(),
    "email": pl.String(),
    "vpa": pl.String(),
    "city": pl.String(),
    "state": pl.String(),
    "city_tier": pl.Int8(),
    "device_id": pl.String(),
    "card_token": pl.String(),
    "card_network": pl.String(),
    "card_last4": pl.String(),
    "card_issuer": pl.String(),
    "card_type": pl.String(),
    "netbanking_bank": pl.String(),
    "wallet": pl.String(),
    "customer_since": pl.Date(),
}

# MDR ranges in basis points (inclusive), priced in steps of 5 bps. UPI P2M is zero-MDR.
_MDR_RANGES = {"card": (150, 210), "netbanking": (120, 190), "wallet": (150, 220)}
_SETTLEMENT_T1_SHARE = 0.70
_GATEWAY_COUNT_SHARES = (0.50, 0.35, 0.15)  # merchants on 1, 2, 3 gateways
_GATEWAY_SHARES = (0.50, 0.30, 0.20)  # how often each gateway is a merchant's pick
_ZIPF_EXPONENT = 1.07
_EARLIEST_ONBOARDING = date(2018, 1, 1)
_EARLIEST_CUSTOMER_SINCE = date(2017, 1, 1)  # UPI went live in August 2016


# --- random streams ---------------------------------------------------------------------------


def _stream(seed: int, namespace: int, stream: int) -> np.random.Generator:
    """Child ``stream`` of ``SeedSequence([seed, namespace])``: one per column group."""
    sequence = np.random.SeedSequence([seed, namespace], spawn_key=(stream,))
    return np.random.Generator(np.random.PCG64(sequence))


def _probabilities(weights: Sequence[float]) -> np.ndarray:
    p: np.ndarray = np.asarray(weights, dtype=np.float64)
    p = p / p.sum()
    return p


def _skewed_index(rng: np.random.Generator, lengths: np.ndarray) -> np.ndarray:
    """Index into lists of ``lengths`` favouring the front (lists are most-common-first)."""
    u = rng.random(lengths.size)
    u = u * np.sqrt(u)  # u ** 1.5, cheaper
    index: np.ndarray = np.minimum((u * lengths).astype(np.int64), lengths - 1)
    return index


def _strings(values: np.ndarray) -> pl.Series:
    """A polars String series from a numpy fixed-width ASCII bytes array, without a copy per row.

    The bytes are laid out back to back, which is exactly an Arrow string array's data buffer.
    """
    width = values.dtype.itemsize
    offsets = np.arange(values.size + 1, dtype=np.int64) * width
    data = np.ascontiguousarray(values).view(np.uint8)
    array = pa.LargeStringArray.from_buffers(values.size, pa.py_buffer(offsets), pa.py_buffer(data))
    return pl.Series(array)


# Two lower-case hex characters for each byte value, as one uint16 each (memory order kept).
_HEX_PAIRS = np.frombuffer(b"".join(b"%02x" % b for b in range(256)), dtype=np.uint16)


def _hex16(words: np.ndarray) -> pl.Series:
    """16 lower-case hex characters per uint64, most significant first."""
    big_endian_bytes = words.astype(">u8").view(np.uint8).reshape(-1, 8)
    return _strings(_HEX_PAIRS[big_endian_bytes].view("S16").ravel())


def _slug(names: Sequence[str]) -> list[str]:
    """Lower-case ASCII letters and digits only: ``D'Souza`` -> ``dsouza``."""
    return ["".join(c for c in name.lower() if c.isascii() and c.isalnum()) for name in names]


# --- name pools -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _NamePool:
    """All groups' names concatenated, with each group's offset and length, per name kind."""

    names: list[str]
    offsets: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, lists: Sequence[Sequence[str]]) -> _NamePool:
        lengths = np.array([len(x) for x in lists], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        return cls([n for x in lists for n in x], offsets, lengths)


_MALE_FIRST = _NamePool.of([g.male_first for g in NAME_GROUPS])
_FEMALE_FIRST = _NamePool.of([g.female_first for g in NAME_GROUPS])
_MALE_SURNAMES = _NamePool.of([g.surnames for g in NAME_GROUPS])
_FEMALE_SURNAMES = _NamePool.of([g.female_surnames or g.surnames for g in NAME_GROUPS])


def _profile_matrix() -> np.ndarray:
    """Row-stochastic (city x name group) matrix of name-group shares."""
    matrix = np.zeros((len(CITIES), len(NAME_GROUPS)))
    for i, city in enumerate(CITIES):
        for group, weight in _NAME_PROFILES[city.name_profile].items():
            matrix[i, _GROUP_INDEX[group]] = weight
    shares: np.ndarray = matrix / matrix.sum(axis=1, keepdims=True)
    return shares


def _draw_groups(rng: np.random.Generator, city_idx: np.ndarray) -> np.ndarray:
    """A name group per person, drawn from their city's community mix."""
    cumulative = np.cumsum(_profile_matrix(), axis=1)
    cumulative[:, -1] = 1.0
    u = rng.random(city_idx.size)
    groups = np.empty(city_idx.size, dtype=np.int64)
    for c in range(len(CITIES)):
        rows = np.flatnonzero(city_idx == c)
        groups[rows] = np.searchsorted(cumulative[c], u[rows], side="right")
    return np.minimum(groups, len(NAME_GROUPS) - 1)


def _draw_name_indices(
    rng: np.random.Generator, groups: np.ndarray, female: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the first-name and surname pools (female pool where ``female``)."""
    # Pools are gathered as male names then female names, so female offsets are shifted.
    first_offset = np.where(
        female,
        _FEMALE_FIRST.offsets[groups] + len(_MALE_FIRST.names),
        _MALE_FIRST.offsets[groups],
    )
    first_length = np.where(female, _FEMALE_FIRST.lengths[groups], _MALE_FIRST.lengths[groups])
    last_offset = np.where(
        female,
        _FEMALE_SURNAMES.offsets[groups] + len(_MALE_SURNAMES.names),
        _MALE_SURNAMES.offsets[groups],
    )
    last_length = np.where(female, _FEMALE_SURNAMES.lengths[groups], _MALE_SURNAMES.lengths[groups])
    first = first_offset + _skewed_index(rng, first_length)
    last = last_offset + _skewed_index(rng, last_length)
    return first, last


_FIRST_NAMES = _MALE_FIRST.names + _FEMALE_FIRST.names
_SURNAMES = _MALE_SURNAMES.names + _FEMALE_SURNAMES.names


# --- merchants --------------------------------------------------------------------------------

# Stream numbers of generate_merchants; never renumber, only add.
_M_CATEGORY, _M_ENTITY, _M_CITY, _M_NAMES, _M_PAN, _M_GSTIN = 0, 1, 2, 3, 4, 5
_M_BANK, _M_ONBOARDED, _M_SETTLEMENT, _M_MDR, _M_GATEWAYS, _M_VOLUME, _M_RISK = range(6, 13)


def _merchant_names(
    rng: np.random.Generator,
    categories: Sequence[str],
    entity_types: Sequence[str],
    city_idx: np.ndarray,
) -> tuple[list[str], list[str], list[str]]:
    """(legal_name, trade_name, PAN 5th character) per merchant; trade names are unique."""
    n = len(categories)
    female = rng.random(n) < 0.25
    first_idx, last_idx = _draw_name_indices(rng, _draw_groups(rng, city_idx), female)
    stem_kind = rng.random(n)
    middle = rng.random(n)
    taken: set[str] = set()
    legal: list[str] = []
    trade: list[str] = []
    initials: list[str] = []
    for i in range(n):
        first, surname = _FIRST_NAMES[first_idx[i]], _SURNAMES[last_idx[i]]
        words = CATEGORIES[categories[i]].trade_words
        word = words[int(rng.integers(len(words)))]
        if entity_types[i] == "P":
            stem = surname if stem_kind[i] < 0.6 else first if stem_kind[i] < 0.8 else None
        else:
            stem = surname if stem_kind[i] < 0.45 else None
        if stem is None:
            stem = _BRAND_STEMS[int(rng.integers(len(_BRAND_STEMS)))]
        name = _unique_trade_name(rng, f"{stem} {word}", CITIES[city_idx[i]].name, taken)
        taken.add(name)
        trade.append(name)
        if entity_types[i] == "C":
            legal.append(name + (" Limited" if rng.random() < 0.05 else " Private Limited"))
            initials.append(name[0].upper())
        elif entity_types[i] == "F":
            legal.append(name + " LLP")
            initials.append(name[0].upper())
        else:
            if not female[i] and " " not in first and middle[i] < 0.3:
                first = f"{first} {_PROPRIETOR_MIDDLE[int(rng.integers(len(_PROPRIETOR_MIDDLE)))]}"
            legal.append(f"{first} {surname}")
            initials.append(surname[0].upper())  # an individual's PAN carries the surname
    return legal, trade, initials


def _unique_trade_name(rng: np.random.Generator, base: str, city: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    for q in rng.permutation(len(_QUALIFIERS)):
        candidate = f"{_QUALIFIERS[q]} {base}"
        if candidate not in taken:
            return candidate
    candidate = f"{base} {city}"
    k = 2
    while candidate in taken:
        candidate = f"{base} {city} {k}"
        k += 1
    return candidate


def _unique_pans(
    rng: np.random.Generator, entity_types: Sequence[str], initials: Sequence[str]
) -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    taken: set[str] = set()
    pans: list[str] = []
    for kind, initial in zip(entity_types, initials, strict=True):
        while True:
            head = "".join(letters[j] for j in rng.integers(0, 26, 3))
            sequence = int(rng.integers(1, 10_000))
            pan = f"{head}{kind}{initial}{sequence:04d}{letters[int(rng.integers(26))]}"
            if pan not in taken:
                break
        taken.add(pan)
        pans.append(pan)
    return pans


def _account_numbers(rng: np.random.Generator, bank_idx: np.ndarray) -> list[str]:
    taken: set[str] = set()
    numbers: list[str] = []
    for b in bank_idx:
        bank = BANKS[b]
        while True:
            free = bank.account_length - len(bank.account_prefix)
            lead = "" if bank.account_prefix else str(int(rng.integers(1, 10)))
            tail = "".join(map(str, rng.integers(0, 10, free - len(lead))))
            number = bank.account_prefix + lead + tail
            if number not in taken:
                break
        taken.add(number)
        numbers.append(number)
    return numbers


def _merchant_vpas(trade_names: Sequence[str]) -> list[str]:
    taken: set[str] = set()
    vpas: list[str] = []
    for name in trade_names:
        base = "".join(_slug([name]))[:20] or "merchant"
        slug, k = base, 2
        while slug in taken:
            slug = f"{base}{k}"
            k += 1
        taken.add(slug)
        vpas.append(slug + MERCHANT_VPA_SUFFIX)
    return vpas


def _exact_shares(
    rng: np.random.Generator, n: int, values: Sequence[int], shares: Sequence[float]
) -> np.ndarray:
    """``values`` in exactly the given shares (largest remainder), shuffled."""
    counts = np.floor(np.asarray(shares) * n).astype(np.int64)
    remainder = np.asarray(shares) * n - counts
    counts[np.argsort(-remainder, kind="stable")[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.asarray(values), counts))


def generate_merchants(seed: int, n: int) -> pl.DataFrame:
    """The aggregator's ``n`` merchants, deterministic in ``(seed, n)``; see ``MERCHANT_SCHEMA``.

    ``volume_weight`` is each merchant's share of the payment count (Zipf-like, sums to 1), a
    probability for the payment generator, not money. ``gateways`` is ordered by routing
    preference: the first is the merchant's primary gateway.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return pl.DataFrame(schema=MERCHANT_SCHEMA)

    def rng(stream: int) -> np.random.Generator:
        return _stream(seed, NAMESPACE_MERCHANTS, stream)

    category_names = list(CATEGORIES)
    category_idx = rng(_M_CATEGORY).choice(
        len(category_names), n, p=_probabilities([c.merchant_share for c in CATEGORIES.values()])
    )
    categories = [category_names[i] for i in category_idx]

    entity_rng = rng(_M_ENTITY)
    u = entity_rng.random(n)
    entity_types = []
    for cat, x in zip(categories, u, strict=True):
        mix = np.cumsum(_ENTITY_MIX.get(cat, _DEFAULT_ENTITY_MIX))
        entity_types.append(_ENTITY_TYPES[min(int(np.searchsorted(mix, x, side="right")), 2)])

    city_idx = rng(_M_CITY).choice(
        len(CITIES), n, p=_probabilities([c.merchant_weight for c in CITIES])
    )
    cities = [CITIES[i] for i in city_idx]

    legal_names, trade_names, initials = _merchant_names(
        rng(_M_NAMES), categories, entity_types, city_idx
    )
    pans = _unique_pans(rng(_M_PAN), entity_types, initials)
    entity_no = rng(_M_GSTIN).choice(np.array(["1", "2", "3"]), n, p=[0.90, 0.08, 0.02])
    gstins = [
        make_gstin(c.gst_state_code, p, e) for c, p, e in zip(cities, pans, entity_no, strict=True)
    ]

    bank_rng = rng(_M_BANK)
    bank_idx = bank_rng.choice(len(BANKS), n, p=_probabilities([b.merchant_weight for b in BANKS]))
    branch = bank_rng.integers(0, 1_000_000, n)
    ifscs = [f"{BANKS[b].ifsc_prefix}{br:06d}" for b, br in zip(bank_idx, branch, strict=True)]
    accounts = _account_numbers(bank_rng, bank_idx)

    # Days on the platform: exponential (most merchants are recent), truncated at the earliest
    # onboarding date by inverting its CDF, so no pile-up on that date.
    max_age_days = (WORLD_START - _EARLIEST_ONBOARDING).days
    scale = 700.0
    u = rng(_M_ONBOARDED).random(n)
    age = -scale * np.log1p(-u * -np.expm1(-max_age_days / scale))
    age_days = np.clip(np.ceil(age).astype(np.int64), 1, max_age_days)
    onboarded = np.datetime64(WORLD_START, "D") - age_days.astype("timedelta64[D]")

    settlement = _exact_shares(
        rng(_M_SETTLEMENT), n, [1, 2], [_SETTLEMENT_T1_SHARE, 1 - _SETTLEMENT_T1_SHARE]
    )

    # Zipf-like volume: a random permutation of ranks; weight ~ rank ** -s.
    ranks = rng(_M_VOLUME).permutation(n) + 1
    volume = ranks.astype(np.float64) ** -_ZIPF_EXPONENT
    volume /= volume.sum()

    risk_rng = rng(_M_RISK)
    base_tier = np.array([RISK_TIERS.index(CATEGORIES[c].risk_tier) for c in categories])
    risk_idx = np.minimum(base_tier + (risk_rng.random(n) < 0.05), 2)

    # One pricing position per merchant, so its card/netbanking/wallet MDRs move together:
    # riskier merchants pay more, the largest merchants negotiate less.
    mdr_rng = rng(_M_MDR)
    position = mdr_rng.random(n)
    position = np.where(
        risk_idx == 2,
        0.6 + 0.4 * position,
        np.where(risk_idx == 1, 0.25 + 0.75 * position, position),
    )
    position = np.where(ranks <= max(1, n // 50), position * 0.4, position)
    mdr = {}
    for method, (low, high) in _MDR_RANGES.items():
        steps = (high - low) // 5 + 1
        mdr[method] = (low + 5 * np.minimum((position * steps).astype(np.int64), steps - 1)).astype(
            np.int32
        )

    gw_rng = rng(_M_GATEWAYS)
    gw_count = gw_rng.choice(np.array([1, 2, 3]), n, p=_GATEWAY_COUNT_SHARES)
    # Weighted order without replacement (exponential race): the smallest key goes first.
    keys = gw_rng.exponential(1.0, (n, len(GATEWAYS))) / np.asarray(_GATEWAY_SHARES)
    order = np.argsort(keys, axis=1, kind="stable")
    gateways = [[GATEWAYS[g] for g in order[i, : gw_count[i]]] for i in range(n)]

    codes = [c.gst_state_code for c in cities]
    return pl.DataFrame(
        {
            "merchant_id": derived_ids(
                PREFIXES["merchant"], seed, NAMESPACE_MERCHANTS, np.arange(n)
            ),
            "legal_name": legal_names,
            "trade_name": trade_names,
            "category": categories,
            "mcc": [CATEGORIES[c].mcc for c in categories],
            "city": [c.name for c in cities],
            "state": [c.state for c in cities],
            "gst_state_code": codes,
            "pan": pans,
            "gstin": gstins,
            "bank_ifsc": ifscs,
            "bank_account_number": accounts,
            "beneficiary_name": [name.upper() for name in legal_names],
            "merchant_vpa": _merchant_vpas(trade_names),
            "onboarded_on": onboarded,
            "settlement_cycle_days": settlement,
            "mdr_bps_upi": np.zeros(n, dtype=np.int32),
            "mdr_bps_card": mdr["card"],
            "mdr_bps_netbanking": mdr["netbanking"],
            "mdr_bps_wallet": mdr["wallet"],
            "gateways": gateways,
            "volume_weight": volume,
            "risk_tier": [RISK_TIERS[i] for i in risk_idx],
            "is_intra_state": [code == HOME_STATE_CODE for code in codes],
        },
        schema=MERCHANT_SCHEMA,
    )


# --- customers --------------------------------------------------------------------------------

# Stream numbers of generate_customers; never renumber, only add.
_C_CITY, _C_GENDER, _C_NAMES, _C_DOB, _C_PHONE, _C_EMAIL, _C_VPA = range(7)
_C_DEVICE, _C_CARD, _C_NETBANKING, _C_WALLET, _C_SINCE = range(7, 12)

# How people name their email ids and UPI handles: (head, separator, tail, digits, share).
# head/tail: "first", "last", "initial" (of the surname) or ""; digits: "", "yy" / "yyyy" (birth
# year), "r3" / "r4" (random 3 / 4 digits). With two million customers most plain-name ids are
# taken, so most forms carry digits.
_EMAIL_FORMS = (
    ("first", ".", "last", "", 10),  # priya.sharma
    ("first", "", "last", "", 5),  # priyasharma
    ("first", ".", "last", "yy", 15),  # priya.sharma92
    ("first", "", "initial", "r3", 15),  # priyas123
    ("first", "", "", "yy", 5),  # priya92
    ("first", "_", "last", "r3", 5),  # priya_sharma123
    ("first", "", "", "r4", 15),  # priya1234
    ("first", ".", "last", "r4", 15),  # priya.sharma1234
    ("last", ".", "first", "", 5),  # sharma.priya
    ("first", "", "last", "yyyy", 10),  # priyasharma1992
)
# Name-based VPA handles; the "email" form reuses the email id (Google Pay proposes it).
_VPA_FORMS = (
    ("first", ".", "last", "", 25),
    ("first", "", "last", "", 15),
    ("first", ".", "last", "yy", 15),
    ("first", "", "", "r4", 15),
    ("first", "", "initial", "", 10),
    ("email", "", "", "", 20),
)
_SEPARATORS = ("", ".", "_")

# Lookup pools for composing handles by gathering: name parts (slugs) and digit strings.
_FIRST_SLUGS = _slug(_FIRST_NAMES)
_SURNAME_SLUGS = _slug(_SURNAMES)
_NAME_PARTS = ["", *_FIRST_SLUGS, *_SURNAME_SLUGS, *(s[:1] for s in _SURNAME_SLUGS)]
_NO_DIGITS = 10_100
_DIGIT_TEXTS = [str(v) for v in range(10_000)] + [f"{v:02d}" for v in range(100)] + [""]


def _gather(values: Sequence[str], idx: np.ndarray) -> pl.Series:
    """``values[idx]`` as a String series: a gather from a small lookup, no Python loop."""
    return pl.Series(values, dtype=pl.String).gather(idx)


def _choice_index(rng: np.random.Generator, weights: Sequence[float], n: int) -> np.ndarray:
    return rng.choice(len(weights), n, p=_probabilities(weights))


def _prefixed(prefix: str, bodies: np.ndarray) -> pl.Series:
    """``prefix + body`` per row, assembled as bytes (cheaper than a string concatenation)."""
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    width = head.size + bodies.dtype.itemsize
    out = np.empty((bodies.size, width), dtype=np.uint8)
    out[:, : head.size] = head
    out[:, head.size :] = bodies.view(np.uint8).reshape(bodies.size, -1)
    return _strings(out.view(f"S{width}").ravel())


def _permute_below(counters: np.ndarray, bound: int, key: int) -> np.ndarray:
    """A keyed bijection of ``[0, bound)`` (bound <= 2**32) applied to ``counters``.

    A 4-round Feistel network on 32 bits with cycle-walking: distinct counters give distinct,
    random-looking values without drawing and checking for repeats.
    """
    round_keys = splitmix64(np.arange(4, dtype=np.uint64) + np.uint64(key))
    half = np.uint64(0xFFFF)

    def encrypt(x: np.ndarray) -> np.ndarray:
        left, right = x >> np.uint64(16), x & half
        for k in round_keys:
            left, right = right, left ^ (splitmix64(right ^ k) & half)
        return (left << np.uint64(16)) | right

    values = encrypt(np.asarray(counters, dtype=np.uint64))
    outside = np.flatnonzero(values >= np.uint64(bound))
    while outside.size:
        values[outside] = encrypt(values[outside])
        outside = outside[values[outside] >= np.uint64(bound)]
    return values.astype(np.int64)


def _compose_handles(
    forms: Sequence[tuple[str, str, str, str, int]],
    form: np.ndarray,
    first_idx: np.ndarray,
    last_idx: np.ndarray,
    birth_year: np.ndarray,
    r3: np.ndarray,
    r4: np.ndarray,
) -> pl.Series:
    """Per row, ``head + separator + tail + digits`` of its form, all lower-case ASCII.

    Each part is one gather from a lookup pool by a computed index, then one concatenation:
    no form is built for rows that do not use it. A head that is not a name part gives "".
    """
    n_first, n_last = len(_FIRST_SLUGS), len(_SURNAME_SLUGS)

    def part_index(kinds: Sequence[str]) -> np.ndarray:
        kind = np.array([("", "first", "last", "initial").index(k) if k != "email" else 0
                         for k in kinds])[form]  # fmt: skip
        return np.select(
            [kind == 1, kind == 2, kind == 3],
            [1 + first_idx, 1 + n_first + last_idx, 1 + n_first + n_last + last_idx],
            0,
        )

    digit_kind = np.array([("", "yy", "yyyy", "r3", "r4").index(f[3]) for f in forms])[form]
    digit_index = np.select(
        [digit_kind == 1, digit_kind == 2, digit_kind == 3, digit_kind == 4],
        [10_000 + birth_year % 100, birth_year, r3, r4],
        _NO_DIGITS,
    )
    separator = np.array([_SEPARATORS.index(f[1]) for f in forms])[form]
    parts = pl.DataFrame(
        {
            "head": _gather(_NAME_PARTS, part_index([f[0] for f in forms])),
            "separator": _gather(_SEPARATORS, separator),
            "tail": _gather(_NAME_PARTS, part_index([f[2] for f in forms])),
            "digits": _gather(_DIGIT_TEXTS, digit_index),
        }
    )
    return parts.select(pl.concat_str("head", "separator", "tail", "digits")).to_series()


def _unique_emails(local: pl.Series, domain: pl.Series) -> pl.Series:
    """``local@domain``, with ``.2``, ``.3``, ... appended to the local part of the 2nd, 3rd, ...
    use of an address.

    Composed local parts never end in ``.<digits>`` (names are letters), so the numbered ones
    cannot collide with anything: one pass makes every address unique. Only the repeats are
    ranked (a window over all rows would be slow).
    """
    frame = pl.DataFrame({"local": local, "domain": domain}).with_columns(
        email=pl.concat_str("local", pl.lit("@"), "domain")
    )
    repeats = (
        frame.with_row_index("row")
        .filter(~pl.col("email").is_first_distinct())
        .select(
            "row",
            pl.concat_str(
                "local",
                pl.lit("."),
                (pl.int_range(pl.len()).over("email") + 2).cast(pl.String),
                pl.lit("@"),
                "domain",
            ).alias("email"),
        )
    )
    emails = frame.get_column("email")
    return emails.scatter(repeats.get_column("row"), repeats.get_column("email"))


def _unique_vpas(
    phone: pl.Series, psp: pl.Series, named: np.ndarray, named_handle: pl.Series
) -> pl.Series:
    """``phone@psp``, except ``named_handle@psp`` at rows ``named`` where that is still free.

    Phones are unique, so phone-number VPAs are; name-based handles always hold a letter, so
    they never equal a phone-number VPA. Only the name-based ones need checking for repeats.
    """
    frame = pl.DataFrame({"phone": phone, "psp": psp})
    vpas = frame.select(pl.concat_str("phone", pl.lit("@"), "psp")).to_series()
    named_vpas = pl.DataFrame({"handle": named_handle, "psp": psp.gather(named)}).select(
        pl.concat_str("handle", pl.lit("@"), "psp")
    )
    first_use = named_vpas.select(pl.first().is_first_distinct()).to_series().to_numpy()
    return vpas.scatter(named[first_use], named_vpas.to_series().filter(first_use))


def generate_customers(seed: int, n: int) -> pl.DataFrame:
    """The world's ``n`` paying customers, deterministic in ``(seed, n)``.

    Columns as ``CUSTOMER_SCHEMA``. Ids, phones, emails and VPAs are unique (a phone number
    belongs to one person, a VPA to one account). Every customer holds one card, one netbanking
    bank and one wallet; the payment generator picks among them by the merchant category's
    method mix.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return pl.DataFrame(schema=CUSTOMER_SCHEMA)
    if n > 4_000_000_000:
        raise ValueError("at most 4,000,000,000 customers: Indian mobile numbers run out")

    def rng(stream: int) -> np.random.Generator:
        return _stream(seed, NAMESPACE_CUSTOMERS, stream)

    counters = np.arange(n, dtype=np.uint64)
    city_idx = _choice_index(rng(_C_CITY), [c.customer_weight for c in CITIES], n)
    female = rng(_C_GENDER).random(n) < 0.40
    name_rng = rng(_C_NAMES)
    first_idx, last_idx = _draw_name_indices(name_rng, _draw_groups(name_rng, city_idx), female)

    # Ages 18-70 on WORLD_START, skewed young as digital payers are.
    youngest = WORLD_START.replace(year=WORLD_START.year - 18) - timedelta(days=1)
    oldest = WORLD_START.replace(year=WORLD_START.year - 71) + timedelta(days=1)
    age_days = (18 + rng(_C_DOB).gamma(2.2, 7.0, n)) * 365.2425
    dob = np.clip(
        np.datetime64(WORLD_START, "D") - age_days.astype("timedelta64[D]"),
        np.datetime64(oldest, "D"),
        np.datetime64(youngest, "D"),
    )
    birth_year = dob.astype("datetime64[Y]").astype(np.int64) + 1970
    # Customer since: on or after both their 18th birthday (29 February counts as 1 March) and
    # _EARLIEST_CUSTOMER_SINCE, before WORLD_START; recent sign-ups are more common.
    birth_month = dob.astype("datetime64[M]")
    eighteenth = (birth_month + np.timedelta64(18 * 12, "M")).astype("datetime64[D]") + (
        dob - birth_month.astype("datetime64[D]")
    )
    since_low = np.maximum(eighteenth, np.datetime64(_EARLIEST_CUSTOMER_SINCE, "D"))
    span_days = (np.datetime64(WORLD_START, "D") - since_low).astype(np.int64)
    since_u = rng(_C_SINCE).random(n) ** 0.6
    customer_since = since_low + (span_days * since_u).astype(np.int64).astype("timedelta64[D]")

    # Mobile numbers: 10 digits starting 6-9, one per customer.
    phone_key = int(rng(_C_PHONE).integers(0, 2**62))
    phone = 6_000_000_000 + _permute_below(counters, 4_000_000_000, phone_key)
    phone_text = pl.Series(phone).cast(pl.String)

    email_rng = rng(_C_EMAIL)
    email_form = _choice_index(email_rng, [f[4] for f in _EMAIL_FORMS], n)
    email_domain = _gather(
        [d for d, _ in EMAIL_DOMAINS], _choice_index(email_rng, [w for _, w in EMAIL_DOMAINS], n)
    )
    r3 = email_rng.integers(100, 1_000, n)
    r4 = email_rng.integers(1_000, 10_000, n)
    email_local = _compose_handles(
        _EMAIL_FORMS, email_form, first_idx, last_idx, birth_year, r3, r4
    )
    email = _unique_emails(email_local, email_domain)

    vpa_rng = rng(_C_VPA)
    psp_idx = _choice_index(vpa_rng, [share for _, share, _ in UPI_HANDLES], n)
    phone_based = vpa_rng.random(n) < np.array([p for _, _, p in UPI_HANDLES])[psp_idx]
    vpa_form = _choice_index(vpa_rng, [f[4] for f in _VPA_FORMS], n)
    vpa_r4 = vpa_rng.integers(1_000, 10_000, n)
    psp = _gather([h for h, _, _ in UPI_HANDLES], psp_idx)
    # Name-based handles are composed only for the customers who use one.
    named = np.flatnonzero(~phone_based)
    uses_email = vpa_form[named] == [f[0] for f in _VPA_FORMS].index("email")
    composed = _compose_handles(
        _VPA_FORMS,
        vpa_form[named],
        first_idx[named],
        last_idx[named],
        birth_year[named],
        r3[named],
        vpa_r4[named],
    )
    named_handle = pl.select(
        pl.when(pl.lit(pl.Series(uses_email)))
        .then(pl.lit(email_local.gather(named)))
        .otherwise(pl.lit(composed))
    ).to_series()
    vpa = _unique_vpas(phone_text, psp, named, named_handle)

    card_rng = rng(_C_CARD)
    card_type_idx = _choice_index(card_rng, _CARD_TYPE_SHARES, n)
    u = card_rng.random(n)
    network_idx = np.empty(n, dtype=np.int64)
    for t, card_type in enumerate(CARD_TYPES):
        rows = card_type_idx == t
        cumulative = np.cumsum(_probabilities(_NETWORK_SHARES_BY_TYPE[card_type]))
        network_idx[rows] = np.searchsorted(cumulative[:-1], u[rows], side="right")
    bank_issuer_idx = _choice_index(card_rng, [b.issuer_weight for b in BANKS], n)
    is_amex = network_idx == CARD_NETWORKS.index("Amex")
    issuer_idx = np.where(is_amex, len(BANKS), bank_issuer_idx)
    last4 = card_rng.integers(0, 10_000, n)

    # People often bank online where they hold their card.
    nb_rng = rng(_C_NETBANKING)
    nb_any = _choice_index(nb_rng, [b.netbanking_weight for b in BANKS], n)
    netbanking_idx = np.where((nb_rng.random(n) < 0.6) & ~is_amex, bank_issuer_idx, nb_any)

    frame = pl.DataFrame(
        {
            "customer_id": _prefixed(
                PREFIXES["customer"] + "_", derived_bodies(seed, NAMESPACE_CUSTOMERS, counters)
            ),
            "first_name": _gather(_FIRST_NAMES, first_idx),
            "last_name": _gather(_SURNAMES, last_idx),
            "gender": _gather(("M", "F"), female.astype(np.int64)),
            "date_of_birth": dob,
            "phone": phone_text,
            "email": email,
            "vpa": vpa,
            "city": _gather([c.name for c in CITIES], city_idx),
            "state": _gather([c.state for c in CITIES], city_idx),
            "city_tier": np.array([c.tier for c in CITIES], dtype=np.int8)[city_idx],
            "device_id": _hex16(rng(_C_DEVICE).bit_generator.random_raw(n).astype(np.uint64)),
            "card_token": _prefixed(
                "token_", derived_bodies(seed, NAMESPACE_CARD_TOKENS, counters)
            ),
            "card_network": _gather(CARD_NETWORKS, network_idx),
            "card_last4": _gather(_DIGIT_TEXTS, last4).str.zfill(4),
            "card_issuer": _gather([b.name for b in BANKS] + [AMEX_ISSUER], issuer_idx),
            "card_type": _gather(CARD_TYPES, card_type_idx),
            "netbanking_bank": _gather([b.code for b in BANKS], netbanking_idx),
            "wallet": _gather(WALLETS, _choice_index(rng(_C_WALLET), _WALLET_SHARES, n)),
            "customer_since": customer_since,
        }
    )

    return frame.select(
        "customer_id",
        "first_name",
        "last_name",
        full_name=pl.concat_str("first_name", pl.lit(" "), "last_name"),
        gender="gender",
        date_of_birth="date_of_birth",
        phone="phone",
        email="email",
        vpa="vpa",
        city="city",
        state="state",
        city_tier="city_tier",
        device_id="device_id",
        card_token="card_token",
        card_network="card_network",
        card_last4="card_last4",
        card_issuer="card_issuer",
        card_type="card_type",
        netbanking_bank="netbanking_bank",
        wallet="wallet",
        customer_since="customer_since",
    )
