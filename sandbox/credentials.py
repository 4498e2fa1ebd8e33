"""Fake credentials the sandbox accepts. They only work against sandbox.server on 127.0.0.1."""

MS_TENANT_ID = "00000000-0000-4000-8000-00000000ac3e"
MS_CLIENT_ID = "5a0dbb0c-0000-4000-8000-000000000001"
MS_CLIENT_SECRET = "sandbox-ms-client-secret-not-real"

GITHUB_TOKEN = "ghp_sandboxNotARealToken000000000000000000"

ZENDESK_EMAIL = "pipeline@acme.example"
ZENDESK_API_TOKEN = "sandbox-zendesk-api-token-not-real"
# OAuth-style bearer token, accepted as an alternative to Basic email/token auth.
ZENDESK_OAUTH_TOKEN = "sandbox-zendesk-oauth-token-not-real"
