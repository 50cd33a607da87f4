"use strict";
// The wall, for a second screen: the films of visitors who chose to keep theirs, newest first, each
// played through once, then the next; the list read again after each film (a deleted or purged
// visitor is gone from it at once). With no film yet, the happy eigenface moves with the title. No
// controls: nothing to touch.
(() => {
  const $ = (id) => document.getElementById(id);
  const body = document.body, video = $("film"), image = $("shown");
  const token = new URLSearchParams(location.search).get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  const SHOW_IMAGE_MS = 8000, EMPTY_RETRY_MS = 5000;
  let attract = null, config = null, index = 0, timer = null;

  function show(kind) {
    body.dataset.showing = kind;
    $("eigenface").hidden = kind !== "eigenface";
    video.hidden = kind !== "video";
    image.hidden = kind !== "image";
    $("words").hidden = kind !== "eigenface";
    if (kind !== "video") { video.pause(); video.removeAttribute("src"); video.load(); }
    if (kind !== "image") image.removeAttribute("src");
    if (kind === "eigenface" && !attract && config) {
      attract = HappyViewer.start(config.attract, { canvas: $("eigenface"), label: $("readout"), autoplay: true, inputs: false });
    } else if (kind !== "eigenface" && attract) { attract.stop(); attract = null; }
  }

  async function next() {
    clearTimeout(timer);
    let films = [];
    try {
      const answer = await fetch("/api/wall" + query);
      if (answer.ok) films = (await answer.json()).films;
    } catch (error) { /* shown as empty, tried again */ }
    if (!films.length) { show("eigenface"); timer = setTimeout(next, EMPTY_RETRY_MS); return; }
    const film = films[index % films.length];
    index = (index + 1) % Math.max(films.length, 1);
    body.dataset.films = String(films.length);
    if (film.type.startsWith("video/")) {
      show("video");
      video.src = film.film + query;
      video.play().catch(() => { timer = setTimeout(next, 1000); });
    } else {
      show("image");
      image.src = film.film + query;
      timer = setTimeout(next, SHOW_IMAGE_MS);
    }
  }
  video.addEventListener("ended", next);
  video.addEventListener("error", () => { timer = setTimeout(next, 1000); });

  async function load() {
    try {
      const answer = await fetch("/api/kiosk");
      config = await answer.json();
    } catch (error) { setTimeout(load, 2000); return; }
    document.title = config.title;
    $("title").textContent = config.title;
    $("say").textContent = config.texts.wall_empty;
    next();
  }
  window.wall = { showing: () => body.dataset.showing, films: () => Number(body.dataset.films || 0), next };
  load();
})();
