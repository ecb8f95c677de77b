"""Designer fixtures: the web UI's users, companies and deployed process, reused."""
import pytest

from tests.web.conftest import PASSWORD, _web_isolation, world  # noqa: F401 (fixtures)


@pytest.fixture
def sign_in(client):
    """Sign in through the login form, signing out whoever was signed in first."""

    def sign(username: str, password: str = PASSWORD, follow: bool = False):
        client.post("/logout")
        return client.post("/login", data={"username": username, "password": password},
                           follow_redirects=follow)

    return sign
