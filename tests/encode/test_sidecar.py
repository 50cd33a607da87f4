"""The sidecar's platform bodies, cut to each platform's limits."""

from __future__ import annotations

from render.encode.sidecar import platform_bodies


def test_bodies_respect_every_platform_limit():
    title, description = "t" * 100, ("a quiet face " * 600).strip()  # 7800 characters
    tags = tuple(f"tag {k}" for k in range(40))
    bodies = platform_bodies(title, description, tags, "pt-BR", 22, "unlisted", False, "creativeCommon")
    snippet, status = bodies["youtube"]["snippet"], bodies["youtube"]["status"]
    assert len(snippet["title"]) <= 100 and len(snippet["description"].encode()) <= 5000
    assert snippet["categoryId"] == "22" and snippet["defaultLanguage"] == "pt-BR" and snippet["tags"] == list(tags)
    assert status == {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False, "license": "creativeCommon",
                      "embeddable": True, "containsSyntheticMedia": True}
    caption = bodies["instagram"]["caption"]
    assert len(caption) <= 2200 and caption.count("#") == 30 and "#Tag0" in caption
    assert caption.split("\n\n")[1].endswith("\u2026")  # cut at a word, and says so
    assert len(bodies["x"]["text"]) <= 280


def test_a_description_cut_in_bytes_never_splits_a_character():
    bodies = platform_bodies("t", "é" * 3000, (), None, 1, "private", False, "youtube")
    described = bodies["youtube"]["snippet"]["description"]
    assert len(described.encode()) == 5000 and set(described) == {"é"}
    assert "defaultLanguage" not in bodies["youtube"]["snippet"]
