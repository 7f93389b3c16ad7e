"""Who may do what: roles, credentials (users, API tokens, sessions), and the service that checks them."""

from pushd.auth.roles import Permission, Principal, Role, allows
from pushd.auth.service import AccessDenied, AuthService

__all__ = ["AccessDenied", "AuthService", "Permission", "Principal", "Role", "allows"]
