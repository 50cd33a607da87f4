"use strict";
// The kiosk: a camera preview; on a key, a touch or a click, a countdown and a picture; the picture
// sent to the studio; the visitor's morph played live with the viewer's own code (HappyViewer), the
// model's reading shown with it, and, once the film is made, a QR code and a link to it.
(() => {
  const $ = (id) => document.getElementById(id);
  const body = document.body, video = $("camera"), say = $("say"), count = $("count");
  const token = new URLSearchParams(location.search).get("token");
  const headers = token ? { Authorization: "Bearer " + token } : {};
  let viewer = null, visitor = null, data = null, lastTouch = performance.now(), poll = null;
  let visitorSeconds = 120;

  function state(name, message) {
    body.dataset.state = name;
    say.textContent = message || "";
  }
  function ready() {
    if (viewer) { viewer.stop(); viewer = null; }
    clearTimeout(poll); visitor = null; data = null;
    body.dataset.film = "none";
    state("camera", "press space, or touch the screen, to take your picture");
  }

  async function start() {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
      video.srcObject = stream;
      await video.play();
      ready();
    } catch (error) {
      state("error", "no camera: allow this page to use the camera, then reload (" + error.name + ")");
    }
  }

  async function countdown() {
    state("countdown", "look at the camera");
    for (const n of [3, 2, 1]) {
      count.textContent = String(n);
      await new Promise((done) => setTimeout(done, body.dataset.fast === "yes" ? 20 : 700));
    }
    count.textContent = "";
    capture();
  }

  function capture() {
    const scale = Math.min(1, 960 / Math.max(video.videoWidth, video.videoHeight));
    const shot = document.createElement("canvas");
    shot.width = Math.round(video.videoWidth * scale);
    shot.height = Math.round(video.videoHeight * scale);
    shot.getContext("2d").drawImage(video, 0, 0, shot.width, shot.height);  // as the camera sees, not mirrored
    state("sending", "a moment\u2026");
    shot.toBlob(send, "image/jpeg", 0.92);
  }

  async function send(blob) {
    const form = new FormData();
    form.append("photo", blob, "capture.jpg");
    let answer, reply;
    try {
      answer = await fetch("/api/visitors", { method: "POST", body: form, headers });
      reply = await answer.json();
    } catch (error) {
      return failed("the studio did not answer; please try again");
    }
    if (answer.status !== 201) return failed(reply.error || "that did not work; please try again");
    visitor = reply.id; data = reply;
    state("morph", "");
    viewer = HappyViewer.start(reply.viewer, { canvas: $("face"), label: $("label") });
    lastTouch = performance.now();
    watchFilm();
  }

  function failed(message) {
    state("error", message);
    setTimeout(() => { if (body.dataset.state === "error") ready(); }, 4000);
  }

  async function watchFilm() {
    const id = visitor;
    if (!id) return;
    try {
      const answer = await fetch("/api/visitors/" + id, { headers });
      const reply = await answer.json();
      if (id !== visitor) return;
      if (reply.state === "done") {
        $("qr").src = "/api/visitors/" + id + "/qr.svg";  // a visitor's film needs no token: its id is the key
        $("download").href = reply.links.film;
        body.dataset.film = "done";
        return;
      }
      if (reply.state === "failed") { body.dataset.film = "failed"; return; }
    } catch (error) { /* the next try may answer */ }
    poll = setTimeout(watchFilm, 400);
  }

  function touched() { lastTouch = performance.now(); }
  window.addEventListener("keydown", (event) => {
    touched();
    const mode = body.dataset.state;
    if (mode === "camera" && (event.key === " " || event.key === "Enter")) { event.preventDefault(); countdown(); }
    else if (mode === "morph" && (event.key === "Escape" || event.key === "n" || event.key === "N")) ready();
  });
  window.addEventListener("pointerdown", () => { touched(); if (body.dataset.state === "camera") countdown(); });
  window.addEventListener("wheel", touched, { passive: true });
  setInterval(() => {  // a visitor who walked away: ready for the next one
    if (body.dataset.state === "morph" && performance.now() - lastTouch > visitorSeconds * 1000) ready();
  }, 1000);

  window.kiosk = { state: () => body.dataset.state, data: () => data, viewer: () => viewer, next: ready,
                   setVisitorSeconds: (s) => { visitorSeconds = s; } };
  fetch("/healthz").then((r) => r.json()).then((r) => { if (r.visitor_seconds) visitorSeconds = r.visitor_seconds; });
  start();
})();
