/* The convolution playground (docs/playground.md): plain JavaScript, no library, nothing fetched.
 *
 * The page embeds, as JSON computed by convdoc at build time, the presets and the initial case
 * (<script type="application/json" id="playground-data">). This script draws the widget into
 * <div id="convdoc-playground"> and exposes window.convdocPlayground.compute, the arithmetic the
 * widget shows, which the browser tests (sitetests/test_playground.py) compare with convdoc:
 *
 *   compute({image, kernel, stride, padding}) -> {output, outputShape, counts, pooled}
 *
 * - output: Y[r][c] = sum_i sum_j X[r*s + i - p][c*s + j - p] * W[i][j] on the zero-padded image
 *   (convdoc.correlate2d); outputShape is convdoc.conv_output_shape.
 * - counts: one input channel and one output channel, biases included (convdoc's default):
 *   dense = (H*W)*(Ho*Wo) + Ho*Wo (dense_params), locallyConnected = Ho*Wo*KH*KW + Ho*Wo
 *   (locally_connected_params), conv = KH*KW + 1 (conv_params).
 * - pooled: the 2x2 max pool (stride 2) of the output (convdoc.max_pool2d), or null when the
 *   output has fewer than 2 rows or columns.
 */
(function () {
  "use strict";

  // --- Arithmetic (what the tests check) ------------------------------------------------------

  function pair(value, name, minimum) {
    const p = Array.isArray(value) ? value : [value, value];
    if (p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= minimum)) {
      throw new RangeError("`" + name + "` must be an integer >= " + minimum + " or a pair of them; got " +
                           JSON.stringify(value));
    }
    return p;
  }

  function matrix(value, name) {
    const ok = Array.isArray(value) && value.length > 0 && Array.isArray(value[0]) && value[0].length > 0 &&
      value.every((row) => Array.isArray(row) && row.length === value[0].length &&
                           row.every((v) => typeof v === "number" && Number.isFinite(v)));
    if (!ok) {
      throw new TypeError("`" + name + "` must be a non-empty rectangular array of finite numbers");
    }
    return value;
  }

  function outputShape(h, w, kh, kw, stride, padding) {
    const ph = h + 2 * padding[0], pw = w + 2 * padding[1];
    if (kh > ph || kw > pw) {
      throw new RangeError("`kernel` must fit in the padded input: the kernel (" + kh + ", " + kw +
                           ") is larger than the padded input (" + ph + ", " + pw + ")");
    }
    return [Math.floor((ph - kh) / stride[0]) + 1, Math.floor((pw - kw) / stride[1]) + 1];
  }

  function correlate(image, kernel, stride, padding, shape) {
    const h = image.length, w = image[0].length, kh = kernel.length, kw = kernel[0].length;
    const out = [];
    for (let r = 0; r < shape[0]; r++) {
      const row = [];
      for (let c = 0; c < shape[1]; c++) {
        let sum = 0;
        for (let i = 0; i < kh; i++) {
          const y = r * stride[0] + i - padding[0];
          if (y < 0 || y >= h) continue; // zero padding
          for (let j = 0; j < kw; j++) {
            const x = c * stride[1] + j - padding[1];
            if (x >= 0 && x < w) sum += image[y][x] * kernel[i][j];
          }
        }
        row.push(sum);
      }
      out.push(row);
    }
    return out;
  }

  function maxPool2(map) {
    const rows = Math.floor(map.length / 2), cols = Math.floor(map[0].length / 2);
    if (rows === 0 || cols === 0) return null;
    const out = [];
    for (let r = 0; r < rows; r++) {
      const row = [];
      for (let c = 0; c < cols; c++) {
        row.push(Math.max(map[2 * r][2 * c], map[2 * r][2 * c + 1], map[2 * r + 1][2 * c], map[2 * r + 1][2 * c + 1]));
      }
      out.push(row);
    }
    return out;
  }

  function counts(h, w, kh, kw, shape) {
    const outputs = shape[0] * shape[1];
    return {
      dense: h * w * outputs + outputs,
      locallyConnected: outputs * kh * kw + outputs,
      conv: kh * kw + 1,
    };
  }

  function compute(spec) {
    const image = matrix(spec.image, "image"), kernel = matrix(spec.kernel, "kernel");
    const stride = pair(spec.stride === undefined ? 1 : spec.stride, "stride", 1);
    const padding = pair(spec.padding === undefined ? 0 : spec.padding, "padding", 0);
    const h = image.length, w = image[0].length, kh = kernel.length, kw = kernel[0].length;
    const shape = outputShape(h, w, kh, kw, stride, padding);
    const output = correlate(image, kernel, stride, padding, shape);
    return { output: output, outputShape: shape, counts: counts(h, w, kh, kw, shape), pooled: maxPool2(output) };
  }

  /** The image moved by (rows, cols), zeros shifted in (convdoc.shift, mode="zero"). */
  function shift(image, rows, cols) {
    return image.map((row, r) => row.map((_, c) => {
      const y = r - rows, x = c - cols;
      return y >= 0 && y < image.length && x >= 0 && x < row.length ? image[y][x] : 0;
    }));
  }

  // --- The widget ------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  function show(v) {
    if (Object.is(v, -0)) v = 0;
    if (Number.isInteger(v)) return String(v);
    const s = v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
    return s.replace(/\.?0+$/, "") || "0";
  }

  function fmt(n) {
    return n.toLocaleString("en-US");
  }

  const KERNEL_NAMES = { vertical: "Vertical edge", horizontal: "Horizontal edge", blur: "Blur", identity: "Identity" };
  const IMAGE_NAMES = { edge: "Edge (6×6)", digit: "Digit (8×8)", random: "Random" };

  function Playground(root, data) {
    const state = {
      image: data.initial.image.map((r) => r.slice()),
      kernel: data.initial.kernel.map((r) => r.slice()),
      stride: data.initial.stride,
      padding: data.initial.padding,
      imagePreset: "edge",
      kernelPreset: "vertical",
      focus: [0, 0], // the output cell that owns the tab stop
      seed: 1,
      result: null,
    };
    const id = (name) => "cdp-" + name;

    // Controls
    const imageButtons = {}, kernelButtons = {};
    const imageBar = el("div", { class: "cdp-bar", role: "group", "aria-label": "Input image presets" });
    for (const name of Object.keys(IMAGE_NAMES)) {
      imageButtons[name] = el("button", { type: "button", class: "cdp-button", "data-preset": name,
                                          text: IMAGE_NAMES[name], onclick: () => setImage(name) });
      imageBar.append(imageButtons[name]);
    }
    const kernelBar = el("div", { class: "cdp-bar", role: "group", "aria-label": "Kernel presets" });
    for (const name of Object.keys(KERNEL_NAMES)) {
      kernelButtons[name] = el("button", { type: "button", class: "cdp-button", "data-preset": name,
                                           text: KERNEL_NAMES[name], onclick: () => setKernel(name) });
      kernelBar.append(kernelButtons[name]);
    }
    function select(name, label, options, value, onchange) {
      const s = el("select", { id: id(name), onchange: onchange });
      for (const v of options) s.append(el("option", { value: String(v), text: String(v) }));
      s.value = String(value);
      return [el("label", { for: id(name), text: label }), s];
    }
    const [strideLabel, strideSelect] = select("stride", "Stride", [1, 2, 3], state.stride, (e) => {
      state.stride = Number(e.target.value);
      update();
    });
    const [paddingLabel, paddingSelect] = select("padding", "Padding", [0, 1, 2], state.padding, (e) => {
      state.padding = Number(e.target.value);
      update();
    });
    const shiftBar = el("div", { class: "cdp-bar", role: "group", "aria-label": "Shift the input image by one pixel" });
    for (const [arrow, label, dr, dc] of [["↑", "up", -1, 0], ["↓", "down", 1, 0], ["←", "left", 0, -1],
                                          ["→", "right", 0, 1]]) {
      shiftBar.append(el("button", { type: "button", class: "cdp-button", "data-shift": dr + "," + dc,
                                     onclick: () => shiftImage(dr, dc) },
                         [el("span", { "aria-hidden": "true", text: arrow + " " }), "shift " + label]));
    }

    const inputGrid = el("table", { class: "cdp-grid cdp-input", id: id("input") });
    const kernelGrid = el("table", { class: "cdp-grid cdp-kernel", id: id("kernel") });
    const outputGrid = el("table", { class: "cdp-grid cdp-output", id: id("output") });
    const poolGrid = el("table", { class: "cdp-grid cdp-pool", id: id("pool") });
    const windowNote = el("p", { class: "cdp-note", id: id("window"), "aria-live": "polite" });
    const shiftNote = el("p", { class: "cdp-note", id: id("shift-note"), "aria-live": "polite" });
    const countsBody = el("tbody");
    const countsTable = el("table", { class: "cdp-counts", id: id("counts") }, [
      el("caption", { text: "Parameters for the same input and output shapes (weights and biases)" }),
      el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "layer" }),
                                      el("th", { scope: "col", text: "parameters" }),
                                      el("th", { scope: "col", text: "how" })])]),
      countsBody,
    ]);
    const shapeNote = el("p", { class: "cdp-note", id: id("shapes") });

    root.replaceChildren(
      el("div", { class: "cdp-row" }, [
        el("section", { class: "cdp-panel", "aria-labelledby": id("h-input") }, [
          el("h2", { id: id("h-input"), text: "Input image" }), imageBar,
          el("p", { class: "cdp-hint", text: "Edit any cell; padding zeros are greyed." }),
          el("div", { class: "cdp-scroll" }, [inputGrid]), shiftBar, shiftNote,
        ]),
        el("section", { class: "cdp-panel", "aria-labelledby": id("h-kernel") }, [
          el("h2", { id: id("h-kernel"), text: "Kernel" }), kernelBar, kernelGrid,
          el("div", { class: "cdp-bar" }, [strideLabel, strideSelect, paddingLabel, paddingSelect]),
        ]),
        el("section", { class: "cdp-panel", "aria-labelledby": id("h-output") }, [
          el("h2", { id: id("h-output"), text: "Output map" }),
          el("p", { class: "cdp-hint", text: "Point at or focus an output (arrow keys move) to see its window." }),
          el("div", { class: "cdp-scroll" }, [outputGrid]), windowNote,
          el("h2", { id: id("h-pool"), text: "2×2 max pool of the output" }),
          el("div", { class: "cdp-scroll" }, [poolGrid]),
        ]),
      ]),
      shapeNote,
      countsTable,
    );

    function setImage(name) {
      state.imagePreset = name;
      if (name === "random") {
        // A small seeded generator (mulberry32): the same sequence of images on every visit.
        let t = (state.seed++ * 0x6d2b79f5) >>> 0;
        const next = () => {
          t = (t + 0x6d2b79f5) >>> 0;
          let z = Math.imul(t ^ (t >>> 15), 1 | t);
          z ^= z + Math.imul(z ^ (z >>> 7), 61 | z);
          return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
        };
        const size = 5 + Math.floor(next() * 4);
        state.image = Array.from({ length: size }, () => Array.from({ length: size }, () => Math.floor(next() * 10)));
      } else {
        state.image = data.images[name].map((r) => r.slice());
      }
      shiftNote.textContent = "";
      update();
    }

    function setKernel(name) {
      state.kernelPreset = name;
      state.kernel = data.kernels[name].map((r) => r.slice());
      update();
    }

    function shiftImage(dr, dc) {
      const before = state.result;
      state.image = shift(state.image, dr, dc);
      update();
      describeShift(before, state.result, dr, dc);
    }

    function describeShift(before, after, dr, dc) {
      const [s0, s1] = [state.stride, state.stride];
      const where = (dr ? (dr > 0 ? "down" : "up") : (dc > 0 ? "right" : "left"));
      if (dr % s0 !== 0 || dc % s1 !== 0) {
        shiftNote.textContent = "Input moved one pixel " + where + ". With stride " + state.stride +
          " the output grid moves only by whole multiples of the stride, so compare after " + state.stride + " shifts.";
        return;
      }
      const or = dr / s0, oc = dc / s1;
      let same = 0, compared = 0;
      after.output.forEach((row, r) => row.forEach((v, c) => {
        const y = r - or, x = c - oc;
        if (y >= 0 && y < before.output.length && x >= 0 && x < before.output[0].length) {
          compared++;
          if (before.output[y][x] === v) same++;
        }
      }));
      let text = "Input moved one pixel " + where + "; the output moved with it (equivariance): " + same + " of " +
        compared + " outputs equal the old output one place " + where + " (any others saw pixels pushed off the edge).";
      if (before.pooled && after.pooled && before.pooled.length === after.pooled.length) {
        let kept = 0, total = 0;
        after.pooled.forEach((row, r) => row.forEach((v, c) => { total++; if (before.pooled[r][c] === v) kept++; }));
        text += " The max pool kept " + kept + " of " + total + " values in place: local, partial invariance.";
      }
      shiftNote.textContent = text;
    }

    function cellInput(value, label, onvalue) {
      const input = el("input", { type: "text", inputmode: "decimal", class: "cdp-cell", "aria-label": label,
                                  value: show(value), "data-value": String(value) });
      input.addEventListener("input", () => {
        const v = Number(input.value.trim().replace(",", "."));
        const ok = input.value.trim() !== "" && Number.isFinite(v);
        input.setAttribute("aria-invalid", ok ? "false" : "true");
        if (ok) {
          input.dataset.value = String(v);
          onvalue(v);
        }
      });
      input.addEventListener("change", () => { input.value = show(Number(input.dataset.value)); });
      return input;
    }

    function drawInput() {
      const p = state.padding, h = state.image.length, w = state.image[0].length;
      const body = el("tbody");
      for (let r = -p; r < h + p; r++) {
        const tr = el("tr");
        for (let c = -p; c < w + p; c++) {
          const td = el("td", { "data-row": r, "data-col": c });
          if (r < 0 || r >= h || c < 0 || c >= w) {
            td.className = "cdp-pad";
            td.append(el("span", { text: "0", "aria-hidden": "true" }));
          } else {
            td.append(cellInput(state.image[r][c], "Input row " + (r + 1) + ", column " + (c + 1), (v) => {
              state.image[r][c] = v;
              state.imagePreset = null;
              update(false);
            }));
          }
          tr.append(td);
        }
        body.append(tr);
      }
      inputGrid.replaceChildren(el("caption", { class: "cdp-sr", text: "Input image, " + h + " by " + w +
                                                (p ? ", with " + p + " padding zeros on each side" : "") }), body);
    }

    function drawKernel() {
      const body = el("tbody");
      state.kernel.forEach((row, i) => {
        const tr = el("tr");
        row.forEach((v, j) => tr.append(el("td", {}, [cellInput(v, "Kernel row " + (i + 1) + ", column " + (j + 1), (x) => {
          state.kernel[i][j] = x;
          state.kernelPreset = null;
          update(false);
        })])));
        body.append(tr);
      });
      kernelGrid.replaceChildren(el("caption", { class: "cdp-sr", text: "Kernel, " + state.kernel.length + " by " +
                                                 state.kernel[0].length }), body);
    }

    function highlight(r, c) {
      inputGrid.querySelectorAll(".cdp-window").forEach((td) => td.classList.remove("cdp-window"));
      outputGrid.querySelectorAll(".cdp-current").forEach((b) => b.classList.remove("cdp-current"));
      if (r === null) { windowNote.textContent = ""; return; }
      const kh = state.kernel.length, kw = state.kernel[0].length;
      const top = r * state.stride - state.padding, left = c * state.stride - state.padding;
      let inside = 0;
      inputGrid.querySelectorAll("td").forEach((td) => {
        const y = Number(td.dataset.row), x = Number(td.dataset.col);
        if (y >= top && y < top + kh && x >= left && x < left + kw) {
          td.classList.add("cdp-window");
          if (!td.classList.contains("cdp-pad")) inside++;
        }
      });
      const cell = outputGrid.querySelector('[data-row="' + r + '"][data-col="' + c + '"]');
      if (cell) cell.classList.add("cdp-current");
      const total = state.image.length * state.image[0].length;
      windowNote.textContent = "Output row " + (r + 1) + ", column " + (c + 1) + " = " +
        show(state.result.output[r][c]) + ": it sees " + inside + " of the " + total +
        " input pixels (sparsity), weighted by the same kernel as every other output (sharing).";
    }

    function moveFocus(r, c) {
      const shape = state.result.outputShape;
      r = Math.max(0, Math.min(shape[0] - 1, r));
      c = Math.max(0, Math.min(shape[1] - 1, c));
      const cell = outputGrid.querySelector('[data-row="' + r + '"][data-col="' + c + '"]');
      if (cell) cell.focus();
    }

    function drawOutput() {
      const res = state.result, body = el("tbody");
      const [fr, fc] = state.focus = [Math.min(state.focus[0], res.outputShape[0] - 1),
                                      Math.min(state.focus[1], res.outputShape[1] - 1)];
      res.output.forEach((row, r) => {
        const tr = el("tr");
        row.forEach((v, c) => {
          const b = el("button", {
            type: "button", class: "cdp-out", "data-row": r, "data-col": c, "data-value": String(v),
            tabindex: r === fr && c === fc ? "0" : "-1",
            "aria-label": "Output row " + (r + 1) + ", column " + (c + 1) + ": " + show(v), text: show(v),
          });
          b.addEventListener("focus", () => {
            outputGrid.querySelectorAll("button").forEach((x) => x.setAttribute("tabindex", "-1"));
            b.setAttribute("tabindex", "0");
            state.focus = [r, c];
            highlight(r, c);
          });
          b.addEventListener("mouseenter", () => highlight(r, c));
          b.addEventListener("mouseleave", () => {
            const f = document.activeElement;
            if (f && f.classList.contains("cdp-out")) highlight(Number(f.dataset.row), Number(f.dataset.col));
            else highlight(null);
          });
          b.addEventListener("blur", () => highlight(null));
          b.addEventListener("keydown", (e) => {
            const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
            if (moves[e.key]) {
              e.preventDefault();
              moveFocus(r + moves[e.key][0], c + moves[e.key][1]);
            } else if (e.key === "Home" || e.key === "End") {
              e.preventDefault();
              moveFocus(r, e.key === "Home" ? 0 : res.outputShape[1] - 1);
            }
          });
          tr.append(el("td", {}, [b]));
        });
        body.append(tr);
      });
      outputGrid.replaceChildren(el("caption", { class: "cdp-sr", text: "Output map, " + res.outputShape[0] + " by " +
                                                 res.outputShape[1] + "; arrow keys move between outputs" }), body);

      const poolBody = el("tbody");
      if (res.pooled) {
        res.pooled.forEach((row, r) => {
          const tr = el("tr");
          row.forEach((v, c) => tr.append(el("td", { "data-row": r, "data-col": c, "data-value": String(v), text: show(v) })));
          poolBody.append(tr);
        });
      } else {
        poolBody.append(el("tr", {}, [el("td", { text: "The output is too small to pool." })]));
      }
      poolGrid.replaceChildren(el("caption", { class: "cdp-sr", text: "Two by two max pool of the output" }), poolBody);
    }

    function drawCounts() {
      const h = state.image.length, w = state.image[0].length, kh = state.kernel.length, kw = state.kernel[0].length;
      const [ho, wo] = state.result.outputShape, n = state.result.counts;
      const rows = [
        ["dense", "fully connected", n.dense, h * w + " inputs × " + ho * wo + " outputs + " + ho * wo + " biases"],
        ["locallyConnected", "locally connected", n.locallyConnected,
         ho * wo + " windows × " + kh * kw + " weights + " + ho * wo + " biases"],
        ["conv", "convolution", n.conv, kh * kw + " shared weights + 1 bias"],
      ];
      countsBody.replaceChildren(...rows.map(([key, name, value, how]) => el("tr", { "data-count": key }, [
        el("th", { scope: "row", text: name }),
        el("td", { class: "cdp-num", "data-value": String(value), text: fmt(value) }),
        el("td", { text: how }),
      ])));
      shapeNote.textContent = "A " + h + "×" + w + " image, a " + kh + "×" + kw + " kernel, stride " + state.stride +
        ", padding " + state.padding + ": a " + ho + "×" + wo + " output map.";
    }

    function update(redrawInputs) {
      state.result = compute({ image: state.image, kernel: state.kernel, stride: state.stride, padding: state.padding });
      if (redrawInputs !== false) {
        drawInput();
        drawKernel();
      }
      for (const [name, b] of Object.entries(imageButtons)) b.setAttribute("aria-pressed", String(name === state.imagePreset));
      for (const [name, b] of Object.entries(kernelButtons)) b.setAttribute("aria-pressed", String(name === state.kernelPreset));
      const active = document.activeElement && document.activeElement.classList.contains("cdp-out");
      drawOutput();
      drawCounts();
      if (active) moveFocus(state.focus[0], state.focus[1]);
      else highlight(null);
    }

    update();
    root.dataset.ready = "true";
  }

  window.convdocPlayground = { compute: compute, shift: shift };

  function start() {
    const root = document.getElementById("convdoc-playground");
    const source = document.getElementById("playground-data");
    if (!root || !source) return;
    Playground(root, JSON.parse(source.textContent));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
