"use strict";
// The kiosk: an attract screen (the happy eigenface moving, the work's title and label) until someone
// touches the screen or presses space; the camera with an oval guide and a countdown; the picture sent
// to the studio with consent "none" (nothing of the visitor is kept) and their morph played at once,
// by itself, with the viewer's own code (HappyViewer); then the question: keep my film, or keep
// nothing. "Keep my film" sends the same picture again with consent "film" and shows the film's QR
// code when it is made. Every word comes from the scene (GET /api/kiosk). The camera is looked for
// again every few seconds while there is none, and found again when it is unplugged and back.
(() => {
  const $ = (id) => document.getElementById(id);
  const body = document.body, video = $("camera"), say = $("say"), count = $("count");
  const token = new URLSearchParams(location.search).get("token");
  const headers = token ? { Authorization: "Bearer " + token } : {};
  const CAMERA_RETRY_MS = 3000;
  let words = {}, config = null, attract = null, viewer = null, data = null, visitor = null, photo = null;
  let stream = null, lastTouch = performance.now(), poll = null, cameraTimer = null, sending = false;

  const text = (key) => words[key] || "";
  function state(name, message) {
    body.dataset.state = name;
    say.textContent = message || "";
  }

  // --- the attract screen -------------------------------------------------------------------------
  function rest() {
    if (viewer) { viewer.stop(); viewer = null; }
    clearTimeout(poll);
    visitor = null; data = null; photo = null; sending = false;
    body.dataset.film = "none"; body.dataset.consent = "none";
    $("qr").removeAttribute("src");
    state("attract", stream ? "" : cameraMessage);
    if (!attract && config) attract = HappyViewer.start(config.attract, { canvas: $("eigenface"), label: $("readout"), autoplay: true, inputs: false });
  }

  // --- the camera ---------------------------------------------------------------------------------
  let cameraMessage = "";
  async function findCamera() {
    clearTimeout(cameraTimer);
    try {
      const found = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
      stream = found; video.srcObject = found;
      for (const track of found.getVideoTracks()) track.addEventListener("ended", lost);
      await video.play().catch(() => {});
      body.dataset.camera = "ready"; cameraMessage = "";
      if (body.dataset.state === "attract") say.textContent = "";
    } catch (error) {
      stream = null; body.dataset.camera = "missing";
      cameraMessage = text(error && error.name === "NotAllowedError" ? "camera_refused" : "no_camera");
      if (body.dataset.state === "attract") say.textContent = cameraMessage;
      cameraTimer = setTimeout(findCamera, CAMERA_RETRY_MS);
    }
  }
  function lost() {  // unplugged during the show: looked for again, without a reload
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null; video.srcObject = null; body.dataset.camera = "missing";
    cameraMessage = text("no_camera");
    if (["countdown", "sending"].includes(body.dataset.state) || body.dataset.state === "attract") rest();
    cameraTimer = setTimeout(findCamera, 500);
  }

  // --- the picture --------------------------------------------------------------------------------
  async function begin() {
    if (body.dataset.state !== "attract") return;
    if (!stream) { say.textContent = cameraMessage || text("no_camera"); return; }
    if (attract) { attract.stop(); attract = null; }
    state("countdown", text("look"));
    const fast = body.dataset.fast === "yes";
    for (const n of [3, 2, 1]) {
      count.textContent = String(n);
      await new Promise((done) => setTimeout(done, fast ? 20 : 800));
      if (body.dataset.state !== "countdown") return;
    }
    count.textContent = "";
    capture();
  }

  function capture() {
    if (!video.videoWidth) return failed(text("no_camera"));
    const scale = Math.min(1, 960 / Math.max(video.videoWidth, video.videoHeight));
    const shot = document.createElement("canvas");
    shot.width = Math.round(video.videoWidth * scale);
    shot.height = Math.round(video.videoHeight * scale);
    shot.getContext("2d").drawImage(video, 0, 0, shot.width, shot.height);  // as the camera sees, not mirrored
    state("sending", text("moment"));
    shot.toBlob((blob) => { photo = blob; see(); }, "image/jpeg", 0.92);
  }

  async function post(consent) {
    const form = new FormData();
    form.append("photo", photo, "capture.jpg");
    form.append("consent", consent);
    const answer = await fetch("/api/visitors", { method: "POST", body: form, headers });
    let reply = {};
    try { reply = await answer.json(); } catch (error) { /* not JSON: said below */ }
    return { status: answer.status, reply };
  }

  async function see() {  // the morph at once, nothing kept
    let answer;
    try { answer = await post("none"); } catch (error) { return failed(text("unreachable")); }
    if (answer.status !== 200) {
      const key = answer.status === 422 ? "no_face" : answer.status === 503 ? "resting" : "unreachable";
      return failed(text(key));
    }
    data = answer.reply;
    state("morph", "");
    body.dataset.consent = "asking";
    viewer = HappyViewer.start(data.viewer, { canvas: $("face"), label: $("readout"), autoplay: true });
    lastTouch = performance.now();
  }

  async function keep() {  // consent "film": the same picture again, this time kept
    if (sending || body.dataset.consent !== "asking") return;
    sending = true;
    body.dataset.consent = "film"; body.dataset.film = "rendering";
    say.textContent = text("making");
    let answer;
    try { answer = await post("film"); } catch (error) { answer = { status: 0, reply: {} }; }
    sending = false;
    if (body.dataset.state !== "morph") return;
    if (answer.status !== 201) {
      body.dataset.film = "failed"; photo = null;
      say.textContent = text(answer.status === 503 ? "resting" : "film_failed");
      return;
    }
    photo = null;  // kept by the studio now, not by the page
    visitor = answer.reply.id; data = answer.reply;
    watchFilm();
  }

  function keepNothing() {
    if (body.dataset.consent !== "asking") return;
    photo = null; body.dataset.consent = "none";
    say.textContent = text("nothing_kept");
  }

  function failed(message) {
    photo = null;
    state("error", message);
    setTimeout(() => { if (body.dataset.state === "error") rest(); }, 4000);
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
        $("qr").alt = text("scan");
        body.dataset.film = "done"; say.textContent = "";
        return;
      }
      if (reply.state === "failed") { body.dataset.film = "failed"; say.textContent = text("film_failed"); return; }
    } catch (error) { /* the next try may answer */ }
    poll = setTimeout(watchFilm, 400);
  }

  // --- input ----------------------------------------------------------------------------------------
  function touched() { lastTouch = performance.now(); }
  window.addEventListener("keydown", (event) => {
    touched();
    const mode = body.dataset.state;
    if (mode === "attract" && (event.key === " " || event.key === "Enter")) { event.preventDefault(); begin(); }
    else if (mode === "morph" && event.key === "Escape") rest();
    else if (mode === "morph" && (event.key === "i" || event.key === "I")) {
      body.dataset.readout = body.dataset.readout === "shown" ? "hidden" : "shown";
    }
  });
  window.addEventListener("pointerdown", (event) => {
    touched();
    if (body.dataset.state === "attract" && !event.target.closest("button")) begin();
  });
  $("begin").addEventListener("click", begin);
  $("keep").addEventListener("click", keep);
  $("nothing").addEventListener("click", keepNothing);
  window.addEventListener("wheel", touched, { passive: true });
  setInterval(() => {  // a visitor who walked away: nothing kept unless they chose it, the attract screen again
    const seconds = config ? config.visitor_seconds : 120;
    if (["morph", "error"].includes(body.dataset.state) && performance.now() - lastTouch > seconds * 1000) rest();
  }, 1000);

  // --- the words ------------------------------------------------------------------------------------
  function place(reply) {
    config = reply; words = reply.texts;
    document.title = reply.title;
    $("title").textContent = reply.title;
    $("description").textContent = reply.description;
    $("notice").textContent = reply.notice;
    $("begin").textContent = text("begin");
    $("question").textContent = text("question");
    $("keep").textContent = text("keep_film");
    $("nothing").textContent = text("keep_nothing");
    $("scan").textContent = text("scan");
    $("local").textContent = text("local_only");
    body.classList.toggle("local-only", !!reply.local_only);
  }
  async function load() {
    try {
      const answer = await fetch("/api/kiosk");
      if (!answer.ok) throw new Error(String(answer.status));
      place(await answer.json());
    } catch (error) {
      setTimeout(load, 2000);
      return;
    }
    rest();
    findCamera();
  }

  window.kiosk = { state: () => body.dataset.state, data: () => data, viewer: () => viewer, next: rest,
                   setVisitorSeconds: (s) => { if (config) config.visitor_seconds = s; } };
  load();
})();
