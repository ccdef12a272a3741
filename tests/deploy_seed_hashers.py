"""The password hasher of tests/deploy_seed_settings.py: production's PBKDF2 with few iterations."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class DemoSeedPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000
