"""The privacy notice and the history of members' consents."""
