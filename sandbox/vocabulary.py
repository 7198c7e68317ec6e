"""Words for fake product names and seller articles (marketplace-neutral)."""

from __future__ import annotations

import random

from sandbox.draw import pick

PRODUCT_NOUNS = (
    "Футболка",
    "Кружка",
    "Рюкзак",
    "Чехол для телефона",
    "Термос",
    "Носки",
    "Плед",
    "Кроссовки",
    "Настольная лампа",
    "Сковорода",
    "Наушники",
    "Органайзер",
    "Шапка",
    "Полотенце",
    "Зонт",
    "Набор ручек",
)
BRANDS = ("Nordic Home", "UrbanFox", "Ёлка", "Добрый дом", "PROsport", "Kitchen Line", "Солнце")
COLOURS = ("чёрный", "белый", "голубой", "красный", "серый", "бежевый", "зелёный", "синий")
SIZES = ("XS", "S", "M", "L", "XL", "42", "44", "46", "48", "50", "52", "54")
ARTICLE_WORDS = ("футболка", "кружка", "рюкзак", "чехол", "термос", "носки", "плед", "лампа")


def product_name(rng: random.Random) -> str:
    noun, brand, colour = pick(rng, PRODUCT_NOUNS), pick(rng, BRANDS), pick(rng, COLOURS)
    return f"{noun} {brand}, цвет {colour}, размер {pick(rng, SIZES)}"


def article(rng: random.Random, number: int) -> str:
    """A seller's offer_id; `number` keeps it unique within the seller."""
    roll = rng.random()
    if roll < 0.35:
        return f"ART-{number:05d}"
    if roll < 0.6:
        return f"{pick(rng, ARTICLE_WORDS)}-{pick(rng, COLOURS)}-{number}"
    if roll < 0.8:
        return str(100000 + number)
    return f"{pick(rng, COLOURS)} {pick(rng, SIZES)} {number}"
