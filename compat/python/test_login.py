"""`wandb login` against stemma: the Viewer query, with the key format stemma issues."""

import wandb

from conftest import API_KEY, wandb_cli


def test_login_verify_accepts_a_stemma_key(client_env, stemma):
    result = wandb_cli(["login", "--verify", "--host", stemma, API_KEY], client_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    if not wandb.__version__.startswith("0.19."):
        # Newer clients name the user the Viewer query returned.
        assert "logged in as: admin" in output.lower(), output
    # The key is stored for that host, as for any W&B server.
    with open(client_env["HOME"] + "/.netrc") as f:
        assert API_KEY in f.read()


def test_login_verify_refuses_an_unknown_key(client_env, stemma):
    env = {**client_env}
    env.pop("WANDB_API_KEY")
    result = wandb_cli(["login", "--verify", "--host", stemma, "local-" + "z" * 40], env)
    assert result.returncode != 0
