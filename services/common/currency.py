"""Money, and ISO 4217 currencies with their minor-unit exponents (number of decimals)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

_EXPONENT_CODES = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
    2: (
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
        "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN "
        "ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES "
        "KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK "
        "MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR "
        "SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD "
        "TZS UAH USD USN UYU UZS VED VES WST XCD YER ZAR ZMW ZWG"
    ),
}
CURRENCY_EXPONENTS: Mapping[str, int] = {
    code: exponent for exponent, codes in _EXPONENT_CODES.items() for code in codes.split()
}


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units (cents for USD, yen for JPY) of an ISO 4217
    currency, as the API's retail.type.v1.Money: arithmetic on it stays exact."""

    amount_minor: int
    currency: str

    def major(self) -> Decimal:
        """The amount in major units (1234 USD cents -> 12.34); currencies this table
        does not know count two decimals."""
        return Decimal(self.amount_minor).scaleb(-CURRENCY_EXPONENTS.get(self.currency, 2))
