"""Production settings for seeding the demo in `make deploy-test` (tools/deploy_test.py) only.

The demo makes about sixty accounts; production's PBKDF2 (a million iterations) takes a minute and more for them
on a busy test machine. These hashes use the same algorithm with few iterations, which production verifies
(the iteration count is part of the stored hash) and strengthens at the account's first sign-in.
"""

from config.settings.production import *  # noqa: F403

PASSWORD_HASHERS = ["tests.deploy_seed_hashers.DemoSeedPBKDF2PasswordHasher"]
