"use strict";
// The viewer's morph: the film's own formula, padding, OpenCV's resampling kernels and rounding, drawn
// live on a canvas and moved by the wheel, the keys and dragging. Shared by the standalone viewer pages
// (inlined) and the kiosk (served as /viewer.js): HappyViewer.start(data, {canvas, label}) returns a
// controller with state() and stop(). Options beside the canvas and label: autoplay (idle play from the
// start: the kiosk's morph right after the capture), inputs: false (no wheel, keys or drag: the
// kiosk's attract screen). Under prefers-reduced-motion, levels are shown without sliding, and idle
// play cuts between the person and the projection, held a few seconds each.
window.HappyViewer = { start(D, elements) {
  const signal = new AbortController(), on = { signal: signal.signal };
  const floats = (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return Float64Array.from(new Float32Array(bytes.buffer));
  };
  // A face is a list of planes: one for gray, red, green and blue for colour (the arrays come as the
  // film's (h, w, 3) pixels, interleaved); every step below works plane by plane.
  const C = D.channels || 1, n = D.width * D.height, levels = D.weights.length;
  const planes = (flat) => {
    if (C === 1) return [flat];
    return Array.from({ length: C }, (_, c) => Float64Array.from({ length: n }, (_, i) => flat[i * C + c]));
  };
  const face = planes(floats(D.face)), projection = planes(floats(D.target)), mean = planes(floats(D.mean));
  const components = D.components.map((b) => planes(floats(b)));
  // The appearance basis keeps shape apart (render.ground.warp): both ends are warped to each level's
  // shape before they are mixed; its axes are the shape modes, then the texture modes.
  const S = D.shapes || null, shapeAxes = S ? S.components.length : 0;
  const k = components.length + shapeAxes;
  const side = D.width + 2 * D.padding, size = D.size;

  // Resampling taps, as OpenCV's resize computes them (same coordinate mapping and kernels).
  function taps(src, dst, kind) {
    const scale = src / dst, index = [], weight = [], near = [];
    for (let d = 0; d < dst; d++) {
      if (kind === "nearest") { index.push([Math.min(Math.floor(d * scale), src - 1)]); weight.push([1]); continue; }
      const f = (d + 0.5) * scale - 0.5, s = Math.floor(f), x = f - s;
      let ks, ws;
      if (kind === "cubic") {
        const A = -0.75;
        const c0 = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
        const c1 = ((A + 2) * x - (A + 3)) * x * x + 1;
        const c2 = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
        ks = [s - 1, s, s + 1, s + 2]; ws = [c0, c1, c2, 1 - c0 - c1 - c2];
      } else if (kind === "lanczos") {
        ks = []; ws = []; let sum = 0;
        for (let i = 0; i < 8; i++) {
          const t = x - (i - 3), y = Math.PI * t;
          const v = t === 0 ? 1 : Math.sin(y) * Math.sin(y / 4) / (y * y / 4);
          ks.push(s - 3 + i); ws.push(v); sum += v;
        }
        ws = ws.map((v) => v / sum);
      } else {  // linear (the viewer also draws "area" this way)
        ks = [s, s + 1]; ws = [1 - x, x];
      }
      index.push(ks.map((i) => Math.min(Math.max(i, 0), src - 1))); weight.push(ws);
      near.push([Math.min(Math.max(s, 0), src - 1), Math.min(Math.max(s + 1, 0), src - 1)]);
    }
    return { index, weight, near };
  }
  const same = side === size;
  const T = same ? null : taps(side, size, D.interpolation);
  // Cubic and Lanczos overshoot beside the black padding: each pixel is clamped between the 2x2 source
  // pixels around it, as the film's frames are (render.film.compose).
  const antiring = D.interpolation === "cubic" || D.interpolation === "lanczos";
  // With those kernels the face is scaled on its own border (its edge pixels repeated) and laid on the
  // padding through the padding's edge scaled linearly, as the film's frames are: no flat blocks
  // along the edge. The linear edge is separable: inside(y, x) = rows[y] * cols[x].
  const soft = !same && antiring && D.padding > 0;
  const edge = soft ? (() => {
    const L = taps(side, size, "linear"), line = new Float64Array(size);
    const inside = (i) => (i >= D.padding && i < side - D.padding ? 1 : 0);
    for (let d = 0; d < size; d++) line[d] = L.index[d].reduce((sum, i, t) => sum + inside(i) * L.weight[d][t], 0);
    return line;  // the same along both axes: the face is square
  })() : null;

  const canvas = elements.canvas, label = elements.label;
  const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const image = context.createImageData(size, size);
  const padded = new Float64Array(side * side), across = new Float64Array(side * size);
  const offsets = new Float64Array(k);
  let target = projection, chosen = 0, end = S ? S.end : null;

  // The piecewise-affine warp of render.ground.warp, step for step: the last triangle holding each
  // pixel centre, its barycentric point in the source triangle, a cubic read (Keys, a = -0.75).
  const EDGE = 1e-9, owner = new Int32Array(n), bary = new Float64Array(3 * n);
  function cubicWeights(t) {
    const a = -0.75;
    const w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
    const w1 = ((a + 2) * t - (a + 3)) * t * t + 1;
    const w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
    return [w0, w1, w2, 1.0 - w0 - w1 - w2];
  }
  function warp(images, source, dest) {  // every plane of a face, read at the same places
    const W = D.width, H = D.height, outs = images.map(() => new Float64Array(n)), tris = S.triangles;
    if (source.every((v, i) => v === dest[i])) { outs.forEach((out, c) => out.set(images[c])); return outs; }
    owner.fill(-1);
    for (let t = 0; t < tris.length / 3; t++) {
      const a = tris[3 * t], b = tris[3 * t + 1], c = tris[3 * t + 2];
      const x0 = dest[2 * a], y0 = dest[2 * a + 1], x1 = dest[2 * b], y1 = dest[2 * b + 1], x2 = dest[2 * c], y2 = dest[2 * c + 1];
      const det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
      if (!(Math.abs(det) > 1e-12)) continue;
      const left = Math.min(Math.max(Math.ceil(Math.min(x0, x1, x2)), 0), W), right = Math.min(Math.max(Math.floor(Math.max(x0, x1, x2)), -1), W - 1);
      const top = Math.min(Math.max(Math.ceil(Math.min(y0, y1, y2)), 0), H), bottom = Math.min(Math.max(Math.floor(Math.max(y0, y1, y2)), -1), H - 1);
      for (let py = top; py <= bottom; py++) {
        for (let px = left; px <= right; px++) {
          const l0 = ((y1 - y2) * (px - x2) + (x2 - x1) * (py - y2)) / det;
          const l1 = ((y2 - y0) * (px - x2) + (x0 - x2) * (py - y2)) / det;
          const l2 = 1.0 - l0 - l1;
          if (l0 >= -EDGE && l1 >= -EDGE && l2 >= -EDGE) {
            const p = py * W + px;
            owner[p] = t; bary[3 * p] = l0; bary[3 * p + 1] = l1; bary[3 * p + 2] = l2;
          }
        }
      }
    }
    for (let p = 0; p < n; p++) {
      let sx = p % W, sy = Math.floor(p / W);
      const t = owner[p];
      if (t >= 0) {
        const a = tris[3 * t], b = tris[3 * t + 1], c = tris[3 * t + 2];
        const l0 = bary[3 * p], l1 = bary[3 * p + 1], l2 = bary[3 * p + 2];
        sx = l0 * source[2 * a] + l1 * source[2 * b] + l2 * source[2 * c];
        sy = l0 * source[2 * a + 1] + l1 * source[2 * b + 1] + l2 * source[2 * c + 1];
      }
      const fx = Math.floor(sx), fy = Math.floor(sy), wx = cubicWeights(sx - fx), wy = cubicWeights(sy - fy);
      for (let c = 0; c < images.length; c++) {
        const image = images[c];
        let v = 0;
        for (let j = 0; j < 4; j++) {
          const row = Math.min(Math.max(fy + j - 1, 0), H - 1) * W;
          let across = 0;
          for (let i = 0; i < 4; i++) across += image[row + Math.min(Math.max(fx + i - 1, 0), W - 1)] * wx[i];
          v += across * wy[j];
        }
        outs[c][p] = Math.fround(v);
      }
    }
    return outs;
  }
  const mixed = Array.from({ length: C }, () => new Float64Array(n));
  function mix(w) {  // the level's face before padding: the film's formula, warped first with shapes
    let from = face, to = target;
    if (S) {
      const at = S.start.map((v, i) => (1.0 - w) * v + w * end[i]);
      from = warp(face, S.start, at); to = warp(target, S.drawn, at);
    }
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < n; i++) mixed[c][i] = Math.fround((1 - w) * from[c][i] + w * to[c][i]);
    }
  }

  function rint(v) {  // round half to even, as numpy's rint
    const r = Math.round(v);
    return (Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0) ? r - 1 : r;
  }
  function axisName(c) {
    const m = S ? (c < shapeAxes ? c : c - shapeAxes) : c;
    const nth = ["most", "second most", "third most"][m] || (m + 1) + "th most";
    const what = S ? (c < shapeAxes ? " in shape " : " in shading ") : " ";
    return "axis " + (c + 1) + ", how " + D.emotion + " faces differ" + what + nth;
  }
  function readoutAt(level) {  // the model's reading of the chosen emotion, between levels as the weights
    const lo = Math.floor(level), hi = Math.min(lo + 1, levels - 1), t = level - lo;
    return D.readout[lo] * (1 - t) + D.readout[hi] * t;
  }
  function weightAt(level) {
    const lo = Math.floor(level), hi = Math.min(lo + 1, levels - 1), t = level - lo;
    return D.weights[lo] * (1 - t) + D.weights[hi] * t;
  }
  function retarget() {
    if (offsets.every((v) => v === 0)) { target = projection; end = S ? S.end : null; return; }
    // As the basis reconstructs: over the pixels interleaved, the components in order (the same sums).
    target = mean.map((plane, ch) => {
      const out = Float64Array.from(plane);
      for (let c = shapeAxes; c < k; c++) {
        const coefficient = D.coefficients[c] + offsets[c] * D.spread[c];
        for (let i = 0; i < n; i++) out[i] += coefficient * components[c - shapeAxes][ch][i];
      }
      return Float64Array.from(new Float32Array(out));
    });
    if (S) {  // the target's shape along the shape modes, the frame's fixed points after it
      const shape = Array.from(S.mean);
      for (let c = 0; c < shapeAxes; c++) {
        const coefficient = D.coefficients[c] + offsets[c] * D.spread[c];
        for (let i = 0; i < shape.length; i++) shape[i] += coefficient * S.components[c][i];
      }
      end = shape.concat(S.frame);
    }
  }
  function draw(level) {
    mix(weightAt(level));
    for (let ch = 0; ch < C; ch++) drawPlane(mixed[ch], ch);
    context.putImageData(image, 0, 0);
    describe(level);
  }
  function drawPlane(plane, ch) {  // one plane of the level's face padded, scaled and rounded into the image
    if (soft) {  // the padding holds the face's edge pixels repeated
      for (let y = 0; y < side; y++) {
        const fy = Math.min(Math.max(y - D.padding, 0), D.height - 1);
        for (let x = 0; x < side; x++) {
          padded[y * side + x] = plane[fy * D.width + Math.min(Math.max(x - D.padding, 0), D.width - 1)];
        }
      }
    } else {
      padded.fill(D.pad_value);
      for (let y = 0; y < D.height; y++) {
        for (let x = 0; x < D.width; x++) padded[(y + D.padding) * side + x + D.padding] = plane[y * D.width + x];
      }
    }
    const pixels = image.data;
    const put = C === 1 ? (p, v) => {
      const g = rint(Math.min(Math.max(v, 0), 1) * 255);
      pixels[4 * p] = pixels[4 * p + 1] = pixels[4 * p + 2] = g; pixels[4 * p + 3] = 255;
    } : (p, v) => {
      pixels[4 * p + ch] = rint(Math.min(Math.max(v, 0), 1) * 255); pixels[4 * p + 3] = 255;
    };
    if (same) {
      for (let p = 0; p < size * size; p++) put(p, padded[p]);
    } else {
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < size; x++) {
          const ix = T.index[x], wx = T.weight[x];
          let v = 0;
          for (let t = 0; t < ix.length; t++) v += padded[y * side + ix[t]] * wx[t];
          across[y * size + x] = v;
        }
      }
      for (let y = 0; y < size; y++) {
        const iy = T.index[y], wy = T.weight[y];
        for (let x = 0; x < size; x++) {
          let v = 0;
          for (let t = 0; t < iy.length; t++) v += across[iy[t] * size + x] * wy[t];
          if (antiring) {
            const [y0, y1] = T.near[y], [x0, x1] = T.near[x];
            const a = padded[y0 * side + x0], b = padded[y0 * side + x1];
            const c = padded[y1 * side + x0], d = padded[y1 * side + x1];
            v = Math.min(Math.max(v, Math.min(a, b, c, d)), Math.max(a, b, c, d));
          }
          if (soft) { const m = edge[y] * edge[x]; v = v * m + D.pad_value * (1 - m); }
          put(y * size + x, v);
        }
      }
    }
  }
  function describe(level) {
    // The eigenface's axes in words: the ways the kept faces differ, the first the most; a nudge is
    // counted in typical differences (one standard deviation of the kept faces along that axis).
    const moved = offsets.some((v) => v !== 0)
      ? " \u00b7 " + Array.from(offsets, (v, c) => v === 0 && c !== chosen ? null
          : (c === chosen ? "[" : "") + axisName(c) + ": " + (v >= 0 ? "+" : "") + v.toFixed(2) + "\u00d7 typical"
            + (c === chosen ? "]" : "")).filter(Boolean).join(" \u00b7 ")
      : (k > 1 ? " \u00b7 " + axisName(chosen) : "");  // the axis the keys and sideways drags move
    const reading = D.readout ? " \u00b7 " + D.emotion + " " + D.readout[0].toFixed(2) + " \u2192 " + readoutAt(level).toFixed(2) : "";
    label.textContent = D.emotion + " \u00b7 level " + Math.round(level) + " / " + (levels - 1) + reading + moved;
  }

  // The displayed level eases toward the asked one, one animation frame at a time.
  let shown = 0, asked = 0, dirty = true, idle = !!elements.autoplay, direction = 1, lastInput = performance.now();
  const clamp = (v) => Math.min(Math.max(v, 0), levels - 1);
  function invalidate() { dirty = true; document.body.dataset.settled = "no"; }
  function ask(level) { asked = clamp(Math.round(level)); invalidate(); }
  function touched() {
    lastInput = performance.now();
    if (idle) { idle = false; document.body.dataset.idle = "still"; document.body.classList.remove("kiosk"); }
  }
  // Idle play loops as the films do: the person held hold_start seconds, the projection hold_end, then
  // back (pingpong) or cut to the person again (once).
  let heldAt = null, holdUntil = 0;
  function idleStep(now) {
    const end = asked >= levels - 1 ? "end" : asked <= 0 ? "start" : null;
    if (end && heldAt !== end) {
      const hold = end === "end" ? D.hold_end : D.hold_start;
      heldAt = end; holdUntil = now + 1000 * (still ? Math.max(hold, 3) : hold);
    } else if (now >= holdUntil) {
      if (end === "end" && D.loop === "once") { shown = asked = 0; invalidate(); return; }
      if (end) direction = end === "end" ? -1 : 1;
      heldAt = null; ask(still ? (direction > 0 ? levels - 1 : 0) : asked + direction);
    }
  }
  function tick(now) {
    if (D.idle_seconds > 0 && !idle && now - lastInput > D.idle_seconds * 1000) {
      idle = true; document.body.dataset.idle = "playing"; document.body.classList.add("kiosk");
      direction = shown >= levels - 1 ? -1 : 1; heldAt = null;
    }
    if (idle && shown === asked) idleStep(now);
    if (shown !== asked || dirty) {
      const step = (asked - shown) * (idle ? 0.5 : 0.35);
      shown = still || Math.abs(asked - shown) < 0.02 ? asked : shown + step;
      draw(shown);
      dirty = false;
      document.body.dataset.level = String(Math.round(shown));
      document.body.dataset.settled = shown === asked ? "yes" : "no";
    }
    frame = requestAnimationFrame(tick);
  }

  function nudge(c, amount) {
    offsets[c] = Math.round((offsets[c] + amount) * 100) / 100;
    retarget(); invalidate();
  }
  if (elements.inputs !== false) listen();
  function listen() {
    window.addEventListener("wheel", (event) => {
      event.preventDefault(); touched();
      const steps = Math.max(1, Math.round(Math.abs(event.deltaY) / 50));
      ask(asked + Math.sign(event.deltaY) * steps);
    }, { passive: false, signal: signal.signal });
    window.addEventListener("keydown", (event) => {
      touched();
      const key = event.key;
      if (key === "ArrowUp" || key === "PageUp") ask(asked + (key === "PageUp" ? 10 : 1));
      else if (key === "ArrowDown" || key === "PageDown") ask(asked - (key === "PageDown" ? 10 : 1));
      else if (key === "Home") ask(0);
      else if (key === "End") ask(levels - 1);
      else if (key === "ArrowRight" || key === "ArrowLeft") { if (k) nudge(chosen, key === "ArrowRight" ? 0.25 : -0.25); }
      else if (/^[1-9]$/.test(key) && Number(key) <= k) { chosen = Number(key) - 1; invalidate(); }
      else if (key === "0") { offsets.fill(0); retarget(); invalidate(); }
      else if (key === "f" || key === "F") toggleFullscreen();
      else return;
      event.preventDefault();
    }, on);
    let drag = null;
    canvas.addEventListener("pointerdown", (event) => {
      touched(); drag = { x: event.clientX, y: event.clientY, level: asked, offset: offsets[chosen] || 0 };
      canvas.setPointerCapture(event.pointerId);
    }, on);
    canvas.addEventListener("pointermove", (event) => {
      if (!drag) return;
      touched();
      const height = canvas.getBoundingClientRect().height;
      ask(drag.level + (drag.y - event.clientY) / height * (levels - 1));
      if (k) {
        offsets[chosen] = Math.round((drag.offset + (event.clientX - drag.x) / height * 4) * 100) / 100;
        retarget(); invalidate();
      }
    }, on);
    canvas.addEventListener("pointerup", () => { drag = null; }, on);
    canvas.addEventListener("dblclick", () => toggleFullscreen(), on);
  }
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  }

  draw(0);
  let frame = requestAnimationFrame(tick);
  return {
    state: () => ({ level: shown, asked, idle, chosen, offsets: Array.from(offsets), levels }),
    stop: () => { signal.abort(); cancelAnimationFrame(frame); },
  };
} };
