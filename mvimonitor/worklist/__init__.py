"""The home page: what the signed-in user has to do in their active organisation ("Te doen"), by role."""
