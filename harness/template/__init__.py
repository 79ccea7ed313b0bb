"""The template model: a response's synthesized templates, read as AWS would."""

from harness.template._elements import (
    FlowLog,
    IamRole,
    InternetGateway,
    LambdaFunction,
    LogGroup,
    NatGateway,
    Output,
    PolicyStatement,
    Resource,
    Route,
    Subnet,
    Vpc,
    VpcEndpoint,
)
from harness.template._model import TemplateModel
from harness.template._nacl import Nacl, NaclEntry, normalize_protocol
from harness.template._values import (
    NO_VALUE,
    AttrRef,
    Key,
    ResourceRef,
    Token,
    ref_keys,
    references,
    render,
)

__all__ = [
    "NO_VALUE",
    "AttrRef",
    "FlowLog",
    "IamRole",
    "InternetGateway",
    "Key",
    "LambdaFunction",
    "LogGroup",
    "Nacl",
    "NaclEntry",
    "NatGateway",
    "Output",
    "PolicyStatement",
    "Resource",
    "ResourceRef",
    "Route",
    "Subnet",
    "TemplateModel",
    "Token",
    "Vpc",
    "VpcEndpoint",
    "normalize_protocol",
    "ref_keys",
    "references",
    "render",
]
