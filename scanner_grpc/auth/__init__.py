"""Sources of IAM tokens for the scanner clients."""

from scanner_grpc.auth._base import Credentials

__all__ = ["Credentials"]
