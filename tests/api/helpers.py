"""Reading the API in tests."""

API = "/api/v1"


def get_json(client, path: str, status: int = 200, **kwargs) -> dict:
    response = client.get(API + path, **kwargs)
    assert response.status_code == status, (path, response.status_code, response.data[:300])
    assert response.mimetype == "application/json", path
    return response.get_json()


def titles(body: dict) -> list[str]:
    return [item.get("title") or item.get("question") for item in body["data"]]


def ids(body: dict) -> list[int]:
    return [item["id"] for item in body["data"]]


def keys_in(value) -> set[str]:
    """Every key of every object, however deep."""
    if isinstance(value, dict):
        return set(value).union(*(keys_in(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_in(item) for item in value))
    return set()


def assert_error(response, status: int, mentioning: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == status
    assert error["title"] and error["message"]
    if mentioning is not None:
        assert f"'{mentioning}'" in error["message"], error["message"]
    return error
