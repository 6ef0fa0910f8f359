"""The Odoo models the sandbox serves, and the registry of one version."""

from __future__ import annotations

from functools import cache

from ..orm import BaseModel
from ..registry import Registry
from .accounting import (
    AccountAccount,
    AccountJournal,
    AccountPaymentMethod,
    AccountPaymentMethodLine,
    AccountTax,
    AccountTaxRepartitionLine,
)
from .base import (
    DecimalPrecision,
    IrModel,
    IrModelData,
    ResCompany,
    ResCountry,
    ResCurrency,
    ResPartner,
    ResPartnerCategory,
    ResUsers,
    UomUom,
)
from .move_lines import AccountMoveLine, AccountPartialReconcile
from .moves import AccountMove
from .payment_register import AccountPaymentRegister
from .payments import AccountPayment
from .product import ProductCategory, ProductProduct, ProductTemplate
from .reversal import AccountMoveReversal

SUPPORTED_VERSIONS = (16, 17, 18)

MODEL_CLASSES: tuple[type[BaseModel], ...] = (
    ResCurrency,
    ResCountry,
    ResPartnerCategory,
    ResPartner,
    ResCompany,
    ResUsers,
    DecimalPrecision,
    UomUom,
    IrModel,
    IrModelData,
    ProductCategory,
    ProductTemplate,
    ProductProduct,
    AccountAccount,
    AccountTax,
    AccountTaxRepartitionLine,
    AccountJournal,
    AccountPaymentMethod,
    AccountPaymentMethodLine,
    AccountMove,
    AccountMoveLine,
    AccountPartialReconcile,
    AccountPayment,
    AccountPaymentRegister,
    AccountMoveReversal,
)


@cache
def registry_for(version: int) -> Registry:
    """The models and fields of Odoo `version` (16, 17 or 18), built once per process."""
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unsupported Odoo version {version}: expected one of 16, 17, 18")
    return Registry(version, MODEL_CLASSES)
