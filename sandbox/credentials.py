"""Fake credentials the sandbox accepts. They only work against sandbox.server on 127.0.0.1."""

MS_TENANT_ID = "00000000-0000-4000-8000-00000000ac3e"
MS_CLIENT_ID = "5a0dbb0c-0000-4000-8000-000000000001"
MS_CLIENT_SECRET = "sandbox-ms-client-secret-not-real"

GITHUB_TOKEN = "ghp_sandboxNotARealToken000000000000000000"

ZENDESK_EMAIL = "pipeline@acme.example"
ZENDESK_API_TOKEN = "sandbox-zendesk-api-token-not-real"
# OAuth-style bearer token, accepted as an alternative to Basic email/token auth.
ZENDESK_OAUTH_TOKEN = "sandbox-zendesk-oauth-token-not-real"

OPENAI_ADMIN_KEY = "sk-admin-sandboxNotARealKey0000000000000000"
ANTHROPIC_ADMIN_KEY = "sk-ant-admin01-sandboxNotARealKey000000000000"

# Jira Cloud: Basic <email>:<API token>.
JIRA_EMAIL = "pipeline@acme.example"
JIRA_API_TOKEN = "sandbox-jira-api-token-not-real"

# Harvest: Bearer personal access token plus the Harvest-Account-Id header.
HARVEST_EMAIL = "pipeline@acme.example"  # the token owner, named in the User-Agent Harvest requires
HARVEST_TOKEN = "sandbox-harvest-token-not-real"
HARVEST_ACCOUNT_ID = "1121001"

# Typeform: Bearer personal access token (scope responses:read).
TYPEFORM_TOKEN = "tfp_sandboxNotARealToken0000000000000000"
