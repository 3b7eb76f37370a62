"""Merchant onboarding: who may take payments, with KYC that can exist and contracted MDR."""
