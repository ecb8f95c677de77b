"""Flask extensions, created once and bound to the app in the factory."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every SafePort model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
