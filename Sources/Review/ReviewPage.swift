/// The review's one page: HTML, style and script in one string, served at `/`.
/// Nothing is loaded from a network; every picture comes from `/api/tile` and
/// `/api/blind` as PNG, cut and rendered on the server.
enum ReviewPage {
    static let html = """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Reelpack review</title>
    <style>
    *{box-sizing:border-box}
    body{margin:0;overflow:hidden;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#16191d;color:#dde2e7}
    header{display:flex;gap:16px;align-items:center;padding:6px 12px;background:#0e1013;border-bottom:1px solid #2a2f36}
    header h1{font-size:15px;margin:0}button,select,input{font:inherit}
    .tabs button{background:#242a31;color:#dde2e7;border:1px solid #3a424c;padding:3px 10px;border-radius:4px;cursor:pointer}
    .tabs button.on{background:#3d6fb6;border-color:#3d6fb6}
    #transform{margin-left:auto;color:#f2c14e}
    main{display:flex;height:calc(100vh - 38px)}
    #list{flex:0 1 auto;max-width:48%;overflow:auto;border-right:1px solid #2a2f36}
    #list table{border-collapse:collapse;width:100%;font-size:12px}
    #list th,#list td{padding:2px 5px;border-bottom:1px solid #252a30;text-align:right;white-space:nowrap}
    #list th{position:sticky;background:#1d2126;cursor:pointer}#list tr.r1 th{top:0}#list tr.r2 th{top:20px}#list th.grp{text-align:center;border-left:1px solid #3a424c}#list td:first-child,#list th:first-child{text-align:left}
    #list tr.sel td{background:#2d4a73}#list tr:hover td{background:#242a31;cursor:pointer}.bad{color:#ff8a80}
    #right{flex:1;display:flex;flex-direction:column;min-width:0}
    #controls{padding:6px 10px;display:flex;flex-wrap:wrap;gap:8px;align-items:center;border-bottom:1px solid #2a2f36}
    #controls .grp{display:flex;gap:4px;align-items:center}
    #controls button{background:#242a31;color:#dde2e7;border:1px solid #3a424c;padding:2px 8px;border-radius:4px;cursor:pointer}
    #controls button.on{background:#3d6fb6;border-color:#3d6fb6}
    #stage{flex:1;display:flex;gap:6px;padding:6px;min-height:0}
    .pane{position:relative;flex:1;overflow:hidden;background:#000;cursor:grab}
    .pane img{position:absolute;left:0;top:0;image-rendering:pixelated;user-select:none;-webkit-user-drag:none}
    .pane .label{position:absolute;left:6px;top:4px;background:rgba(0,0,0,.6);padding:1px 6px;border-radius:3px;z-index:3}
    .pane .err{position:absolute;left:6px;bottom:4px;background:#8e1b22;padding:1px 6px;border-radius:3px;z-index:3}
    #wipeTop{z-index:1}
    #keys{padding:4px 10px;color:#9aa5b1;font-size:12px;border-top:1px solid #2a2f36}
    kbd{background:#2a2f36;border-radius:3px;padding:0 4px;color:#dde2e7}
    #blindbar{display:none;padding:6px 10px;gap:10px;align-items:center;border-bottom:1px solid #2a2f36;flex-wrap:wrap}
    #blindbar button{background:#242a31;color:#dde2e7;border:1px solid #3a424c;padding:2px 9px;border-radius:4px;cursor:pointer}
    #blindbar button.on{background:#3d6fb6}#comment{width:260px}
    #summary{display:none;padding:16px;overflow:auto}#summary table{border-collapse:collapse}
    #summary th,#summary td{border-bottom:1px solid #2a2f36;padding:4px 10px;text-align:left}
    #heat{display:none;max-width:100%;image-rendering:pixelated}
    </style></head><body>
    <header><h1>Reelpack review</h1>
    <div class="tabs"><button id="tabBrowse" class="on">Browse</button> <button id="tabBlind">Blind review</button> <button id="tabSummary">Summary</button></div>
    <span id="status"></span>
    <span id="transform" title="display transform applied to every picture">display: …</span></header>
    <main id="main">
    <div id="list"><table><thead id="listHead"></thead><tbody id="listBody"></tbody></table></div>
    <div id="right">
    <div id="blindbar"><b id="blindPos"></b>
     <span>Perceived difference: <span id="scores"></span></span>
     <span>Original: <button data-guess="A" id="guessA">A</button><button data-guess="B" id="guessB">B</button><button data-guess="" id="guessNone" class="on">not sure</button></span>
     <input id="comment" placeholder="comment (optional)"> <button id="submit">Save &amp; next ⏎</button></div>
    <div id="controls">
     <div class="grp">Output <select id="outSel"></select></div>
     <div class="grp" id="views"><button data-view="side">side by side</button><button data-view="wipe">wipe</button><button data-view="flicker">flicker</button><button data-view="diff">difference</button><button data-view="grain">grain</button><button data-view="heat">heat maps</button></div>
     <div class="grp" id="diffGain"><button data-gain="1">×1</button><button data-gain="4">×4</button><button data-gain="16">×16</button></div>
     <div class="grp" id="heatKind"><button data-heat="error">error</button><button data-heat="grain">grain kept</button><button data-heat="banding">banding</button></div>
     <div class="grp">Wipe <input id="wipe" type="range" min="0" max="100" value="50"></div>
     <div class="grp"><button id="flickTimer">flicker timer</button><span id="flickLabel"></span></div>
     <div class="grp">Zoom <select id="zoom"><option value="0">fit</option><option>1</option><option>2</option><option>3</option><option>4</option><option>5</option><option>6</option><option>7</option><option>8</option></select></div>
    </div>
    <div id="stage"></div>
    <div id="keys"></div>
    </div></main>
    <div id="summary"></div>
    <script>
    "use strict";
    const TOKEN = new URLSearchParams(location.search).get("token");
    function api(path, params) {
      const q = Object.assign({}, params || {}); if (TOKEN) q.token = TOKEN;
      return path + "?" + Object.keys(q).map(k => encodeURIComponent(k) + "=" + encodeURIComponent(q[k])).join("&");
    }
    const S = {lib:null, frame:0, out:0, view:"side", gain:4, heat:"error", zoom:0, cx:0.5, cy:0.5, wipe:50, flickB:false,
               timer:null, sort:null, mode:"browse", session:null, item:0, score:null, guess:"", reviewer:null};
    const $ = id => document.getElementById(id);
    const METRICS = [["ssim","SSIM",4,false],["tileFloor","floor",4,false],["psnr","PSNR",1,false],["grainRetention","grain",2,false],["banding","band",2,true]];

    async function boot() {
      const r = await fetch(api("/api/library"));
      if (!r.ok) { document.body.textContent = "This review server needs the link it printed (with its token)."; return; }
      S.lib = await r.json();
      $("outSel").innerHTML = S.lib.outputs.map((o,i) => `<option value="${i}">${esc(o.name)} (${esc(o.profile)})</option>`).join("");
      renderList(); bind(); select(S.lib.frames.length ? S.lib.frames[0].id : 0);
    }
    function esc(s){return String(s).replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;","\\"":"&quot;","'":"&#39;"}[c]))}
    function metric(f, o, key) { const m = f.outputs[o]; if (!m) return null; if (key==="psnr" && m.identical) return Infinity; return m[key]; }
    function worstOf(f, key, high) { let w = null; for (let o=0;o<S.lib.outputs.length;o++){ const v = metric(f,o,key); if (v==null) continue; if (w==null || (high ? v>w : v<w)) w=v; } return w; }
    function renderList() {
      const outs = S.lib.outputs;
      let h = "<tr class='r1'><th data-sort='' rowspan='2'>Frame</th>" + outs.map(o => `<th class="grp" colspan="${METRICS.length}" title="${esc(o.name)}">${esc(o.profile)}</th>`).join("") + "</tr><tr class='r2'>";
      outs.forEach((o,i) => METRICS.forEach(([k,l]) => h += `<th data-sort="${k}" title="${esc(o.name)}: ${l}; click: worst first over every folder">${l}</th>`));
      $("listHead").innerHTML = h + "</tr>";
      let frames = S.lib.frames.slice();
      if (S.sort) { const m = METRICS.find(x=>x[0]===S.sort); const high = m[3];
        frames.sort((a,b) => { const x = worstOf(a,S.sort,high), y = worstOf(b,S.sort,high);
          if (x==null) return 1; if (y==null) return -1; return high ? y-x : x-y; }); }
      $("listBody").innerHTML = frames.map(f => { let row = `<tr data-id="${f.id}" class="${f.id===S.frame?"sel":""}"><td>${esc(f.name)}</td>`;
        outs.forEach((o,i) => { const m = f.outputs[i];
          METRICS.forEach(([k,l,d]) => { let v = metric(f,i,k); let t = v==null ? "–" : v===Infinity ? "∞" : Number(v).toFixed(d);
            row += `<td class="${m && m.status==="failed" ? "bad":""}">${m && m.status==="failed" ? "failed" : t}</td>`; }); });
        return row + "</tr>"; }).join("");
    }
    function current() {
      if (S.mode === "blind" && S.session) { const it = S.session.items[S.item]; return {w: it.width, h: it.height, transform: it.transform}; }
      const f = S.lib.frames.find(x => x.id === S.frame); return f ? {w:f.width, h:f.height, transform:f.transform, name:f.name} : null;
    }
    function select(id) { S.frame = id; S.cx = 0.5; S.cy = 0.5; renderList(); draw(); }
    function panes() {
      if (S.mode === "blind") {
        if (S.view === "wipe") return [["wipe: A | B", ["A","B"]]];
        if (S.view === "flicker") return [["flicker: A / B", ["A","B"]]];
        return [["A",["A"]],["B",["B"]]];
      }
      const o = S.lib.outputs[S.out] ? S.lib.outputs[S.out].name : "output";
      switch (S.view) {
        case "wipe": return [["wipe: source | " + o, ["source","output"]]];
        case "flicker": return [["flicker", ["source","output"]]];
        case "diff": return [["difference ×" + S.gain + " (display values)", ["diff"+S.gain]]];
        case "grain": return [["grain of source", ["grain-source"]],["grain of " + o, ["grain-output"]]];
        case "heat": return [[o, ["output"]]];
        default: return [["source",["source"]],[o,["output"]]];
      }
    }
    function tileURL(view, crop) {
      if (S.mode === "blind") return api("/api/blind", Object.assign({session:S.session.id, item:S.item, side:view}, crop));
      return api("/api/tile", Object.assign({frame:S.frame, out:S.out, view:view}, crop));
    }
    function geometry(pane, fr) {
      const W = pane.clientWidth, H = pane.clientHeight;
      if (!fr.w || !fr.h) return {crop:{step:1}, scale:1, x:0, y:0};
      if (S.zoom === 0) { const step = Math.max(1, Math.ceil(Math.max(fr.w / W, fr.h / H)));
        const tw = Math.ceil(fr.w / step), th = Math.ceil(fr.h / step);
        return {crop:{x:0,y:0,w:fr.w,h:fr.h,step:step}, scale:Math.min(W / tw, H / th), x:0, y:0}; }
      const z = S.zoom, w = Math.min(fr.w, Math.ceil(W / z)), h = Math.min(fr.h, Math.ceil(H / z));
      let x = Math.round(S.cx * fr.w - w / 2), y = Math.round(S.cy * fr.h - h / 2);
      x = Math.max(0, Math.min(fr.w - w, x)); y = Math.max(0, Math.min(fr.h - h, y));
      return {crop:{x:x,y:y,w:w,h:h,step:1}, scale:z, x:0, y:0};
    }
    function draw() {
      const fr = current(); if (!fr) return;
      $("transform").textContent = "display: " + fr.transform;
      const stage = $("stage"); stage.innerHTML = "";
      const list = panes();
      list.forEach(([label, views]) => {
        const pane = document.createElement("div"); pane.className = "pane"; stage.appendChild(pane);
        pane.innerHTML = `<div class="label">${esc(label)}</div>`;
        pane.dataset.label = label;
      });
      [...stage.children].forEach((pane, i) => {
        const views = list[i][1]; const g = geometry(pane, fr); pane.dataset.crop = JSON.stringify(g.crop);
        const imgs = views.map((v, j) => { const img = new Image(); img.dataset.view = v; img.draggable = false;
          if (views.length === 2 && j === 1 && S.view === "wipe") img.id = "wipeTop";
          img.onload = () => { img.style.width = (img.naturalWidth * g.scale) + "px"; img.style.height = (img.naturalHeight * g.scale) + "px"; img.dataset.loaded = "1"; };
          fetch(tileURL(v, g.crop)).then(r => { const e = r.headers.get("X-Reelpack-Error");
            if (e) { const d = document.createElement("div"); d.className = "err"; d.textContent = e; pane.appendChild(d); }
            const t = r.headers.get("X-Reelpack-Transform"); if (t) $("transform").textContent = "display: " + decodeURIComponent(t);
            return r.blob(); }).then(b => { img.src = URL.createObjectURL(b); });
          pane.appendChild(img); return img; });
        if (S.view === "wipe") { imgs[1].style.clipPath = `inset(0 0 0 ${S.wipe}%)`; pane.dataset.wipe = S.wipe; }
        if (S.view === "flicker") { imgs[1].style.visibility = S.flickB ? "visible" : "hidden";
          $("flickLabel").textContent = "showing " + (S.flickB ? views[1] : views[0]); }
        attachPan(pane, fr, g);
      });
      if (S.view === "heat" && S.mode === "browse") {
        const pane = document.createElement("div"); pane.className = "pane"; pane.style.cursor = "default"; stage.appendChild(pane);
        pane.innerHTML = `<div class="label">heat map: ${esc(S.heat)}</div>`;
        const img = new Image(); img.style.position = "static"; img.style.maxWidth = "100%"; img.style.width = "100%";
        img.src = api("/api/tile", {frame:S.frame, out:S.out, view:"heat-" + S.heat}); pane.appendChild(img);
      }
      syncControls();
    }
    function attachPan(pane, fr, g) {
      let start = null;
      pane.onmousedown = e => { start = {x:e.clientX, y:e.clientY, cx:S.cx, cy:S.cy}; pane.style.cursor = "grabbing"; };
      window.onmouseup = () => { if (start) { start = null; draw(); } };
      pane.onmousemove = e => { if (!start || S.zoom === 0) return;
        S.cx = clamp(start.cx - (e.clientX - start.x) / S.zoom / fr.w); S.cy = clamp(start.cy - (e.clientY - start.y) / S.zoom / fr.h);
        // Every pane moves together: the pan is one state for all views.
        document.querySelectorAll(".pane img").forEach(img => { img.style.transform = `translate(${e.clientX - start.x}px,${e.clientY - start.y}px)`; }); };
      pane.ondblclick = e => { if (S.zoom !== 0) return; const r = pane.getBoundingClientRect(); const img = pane.querySelector("img");
        if (!img) return; S.cx = clamp((e.clientX - r.left) / img.clientWidth); S.cy = clamp((e.clientY - r.top) / img.clientHeight); S.zoom = 1; draw(); };
    }
    function clamp(v){return Math.max(0, Math.min(1, v));}
    function syncControls() {
      document.querySelectorAll("#views button").forEach(b => b.classList.toggle("on", b.dataset.view === S.view));
      document.querySelectorAll("#diffGain button").forEach(b => b.classList.toggle("on", +b.dataset.gain === S.gain));
      document.querySelectorAll("#heatKind button").forEach(b => b.classList.toggle("on", b.dataset.heat === S.heat));
      $("zoom").value = String(S.zoom); $("wipe").value = String(S.wipe); $("outSel").value = String(S.out);
      $("flickTimer").classList.toggle("on", !!S.timer);
      ["diff","grain","heat"].forEach(v => document.querySelector(`#views [data-view=${v}]`).style.display = S.mode === "blind" ? "none" : "");
      ["diffGain","heatKind"].forEach(id => $(id).style.display = S.mode === "blind" ? "none" : "");
      $("outSel").parentElement.style.display = S.mode === "blind" ? "none" : "";
      $("keys").innerHTML = (S.mode === "blind"
        ? "Keys: <kbd>0</kbd>–<kbd>5</kbd> score · <kbd>a</kbd>/<kbd>b</kbd> which is the original · <kbd>Enter</kbd> save &amp; next · <kbd>s</kbd> side by side · <kbd>w</kbd> wipe · <kbd>f</kbd> flicker · <kbd>Space</kbd> A/B · <kbd>t</kbd> flicker timer · <kbd>+</kbd>/<kbd>-</kbd> zoom · arrows pan · <kbd>[</kbd>/<kbd>]</kbd> move the wipe"
        : "Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous frame · <kbd>s</kbd> side by side · <kbd>w</kbd> wipe · <kbd>f</kbd> flicker · <kbd>Space</kbd> source/output · <kbd>t</kbd> flicker timer · <kbd>d</kbd> difference ×1/×4/×16 · <kbd>g</kbd> grain · <kbd>h</kbd> heat maps · <kbd>o</kbd> next output · <kbd>0</kbd> fit · <kbd>1</kbd>–<kbd>8</kbd> zoom · arrows pan · <kbd>[</kbd>/<kbd>]</kbd> move the wipe · drag to pan, double-click to zoom 1:1 there")
        + ". Pictures are rendered on the server through the display transform named above, 8-bit PNG.";
    }
    function setView(v) { if (v === "diff" && S.view === "diff") S.gain = S.gain === 1 ? 4 : S.gain === 4 ? 16 : 1;
      if (v === "heat" && S.view === "heat") S.heat = S.heat === "error" ? "grain" : S.heat === "grain" ? "banding" : "error";
      S.view = v; draw(); }
    function flick() { S.flickB = !S.flickB; const top = document.querySelectorAll(".pane img")[1];
      if (S.view === "flicker" && top) { top.style.visibility = S.flickB ? "visible" : "hidden";
        const v = panes()[0][1]; $("flickLabel").textContent = "showing " + (S.flickB ? v[1] : v[0]); } }
    function toggleTimer() { if (S.timer) { clearInterval(S.timer); S.timer = null; } else { if (S.view !== "flicker") setView("flicker"); S.timer = setInterval(flick, 600); } syncControls(); }
    function setWipe(v) { S.wipe = Math.max(0, Math.min(100, v)); const top = $("wipeTop"); if (top) top.style.clipPath = `inset(0 0 0 ${S.wipe}%)`;
      document.querySelectorAll(".pane").forEach(p => { if (p.dataset.wipe) p.dataset.wipe = S.wipe; }); $("wipe").value = String(S.wipe); }
    function pan(dx, dy) { const fr = current(); if (!fr || S.zoom === 0) return; const step = 0.25 / S.zoom;
      S.cx = clamp(S.cx + dx * step * Math.min(1, 1000 / fr.w) ); S.cy = clamp(S.cy + dy * step * Math.min(1, 1000 / fr.h)); draw(); }
    function nextFrame(d) { const rows = [...document.querySelectorAll("#listBody tr")].map(r => +r.dataset.id);
      const i = rows.indexOf(S.frame); const n = rows[Math.max(0, Math.min(rows.length - 1, i + d))]; if (n !== undefined) select(n); }
    function bind() {
      $("listHead").onclick = e => { const k = e.target.dataset.sort; if (k === undefined) return; S.sort = k || null; renderList(); };
      $("listBody").onclick = e => { const tr = e.target.closest("tr"); if (tr) select(+tr.dataset.id); };
      $("outSel").onchange = e => { S.out = +e.target.value; draw(); };
      $("views").onclick = e => { if (e.target.dataset.view) setView(e.target.dataset.view); };
      $("diffGain").onclick = e => { if (e.target.dataset.gain) { S.gain = +e.target.dataset.gain; S.view = "diff"; draw(); } };
      $("heatKind").onclick = e => { if (e.target.dataset.heat) { S.heat = e.target.dataset.heat; S.view = "heat"; draw(); } };
      $("wipe").oninput = e => { if (S.view !== "wipe") { S.view = "wipe"; draw(); } setWipe(+e.target.value); };
      $("flickTimer").onclick = toggleTimer;
      $("zoom").onchange = e => { S.zoom = +e.target.value; draw(); };
      $("tabBrowse").onclick = () => setMode("browse"); $("tabBlind").onclick = () => setMode("blind"); $("tabSummary").onclick = () => setMode("summary");
      $("scores").innerHTML = [0,1,2,3,4,5].map(n => `<button data-score="${n}" title="${["none","not noticeable","slight","noticeable","clear","very annoying"][n]}">${n}</button>`).join("");
      $("scores").onclick = e => { if (e.target.dataset.score) setScore(+e.target.dataset.score); };
      document.querySelectorAll("[data-guess]").forEach(b => b.onclick = () => setGuess(b.dataset.guess));
      $("submit").onclick = submitScore;
      window.onresize = () => draw();
      document.addEventListener("keydown", e => {
        if (e.target.tagName === "INPUT" && e.target.type === "text") { if (e.key === "Enter") submitScore(); return; }
        if (e.target.id === "comment") return;
        const k = e.key;
        if (S.mode === "blind" && /^[0-5]$/.test(k)) { setScore(+k); return; }
        if (S.mode === "blind" && (k === "a" || k === "b")) { setGuess(k.toUpperCase()); return; }
        if (S.mode === "blind" && k === "Enter") { submitScore(); return; }
        if (S.mode !== "blind" && /^[0-8]$/.test(k)) { S.zoom = +k; draw(); return; }
        switch (k) {
          case "s": setView("side"); break; case "w": setView("wipe"); break; case "f": setView("flicker"); break;
          case " ": e.preventDefault(); if (S.view !== "flicker") setView("flicker"); flick(); break;
          case "t": toggleTimer(); break;
          case "d": if (S.mode !== "blind") setView("diff"); break; case "g": if (S.mode !== "blind") setView("grain"); break;
          case "h": if (S.mode !== "blind") setView("heat"); break;
          case "o": if (S.mode !== "blind") { S.out = (S.out + 1) % S.lib.outputs.length; draw(); } break;
          case "j": nextFrame(1); break; case "k": nextFrame(-1); break;
          case "+": case "=": S.zoom = Math.min(8, S.zoom + 1); draw(); break; case "-": S.zoom = Math.max(0, S.zoom - 1); draw(); break;
          case "ArrowLeft": e.preventDefault(); pan(-1, 0); break; case "ArrowRight": e.preventDefault(); pan(1, 0); break;
          case "ArrowUp": e.preventDefault(); pan(0, -1); break; case "ArrowDown": e.preventDefault(); pan(0, 1); break;
          case "[": setWipe(S.wipe - 5); break; case "]": setWipe(S.wipe + 5); break;
        }
      });
    }
    async function setMode(m) {
      S.mode = m; ["Browse","Blind","Summary"].forEach(t => $("tab" + t).classList.toggle("on", t.toLowerCase() === m));
      $("main").style.display = m === "summary" ? "none" : "flex"; $("summary").style.display = m === "summary" ? "block" : "none";
      $("list").style.display = m === "browse" ? "" : "none"; $("blindbar").style.display = m === "blind" ? "flex" : "none";
      if (m === "summary") return showSummary();
      if (m === "blind") {
        if (S.view !== "wipe" && S.view !== "flicker") S.view = "side";
        if (!S.reviewer) S.reviewer = localStorage.getItem("reelpack.reviewer") || (window.prompt("Your name (asked once; scores are recorded under it):") || "").trim();
        if (!S.reviewer) { setMode("browse"); return; }
        localStorage.setItem("reelpack.reviewer", S.reviewer);
        const r = await fetch(api("/api/session", {reviewer:S.reviewer})); const j = await r.json();
        if (!r.ok) { $("status").textContent = j.error; return; }
        S.session = j; const next = j.items.findIndex(i => !i.done);
        if (next < 0) { $("status").textContent = "session complete"; setMode("summary"); return; }
        S.item = next; S.score = null; S.guess = ""; $("comment").value = "";
        $("status").textContent = (j.resumed ? "resumed" : "new") + " session of " + S.reviewer;
      }
      S.cx = 0.5; S.cy = 0.5; draw(); blindBar();
    }
    function blindBar() { if (S.mode !== "blind" || !S.session) return; const done = S.session.items.filter(i => i.done).length;
      $("blindPos").textContent = `Pair ${S.item + 1} of ${S.session.items.length} (${done} scored): which differs, and how much?`;
      document.querySelectorAll("#scores button").forEach(b => b.classList.toggle("on", +b.dataset.score === S.score));
      document.querySelectorAll("[data-guess]").forEach(b => b.classList.toggle("on", b.dataset.guess === S.guess)); }
    function setScore(n) { S.score = n; blindBar(); }
    function setGuess(g) { S.guess = g; blindBar(); }
    async function submitScore() {
      if (S.mode !== "blind" || S.score === null) { $("status").textContent = "choose a score 0–5 first"; return; }
      const body = {session:S.session.id, item:S.item, score:S.score, original:S.guess || null, comment:$("comment").value};
      const r = await fetch(api("/api/score"), {method:"POST", headers:{"Content-Type":"application/json"}, body:JSON.stringify(body)});
      if (!r.ok) { $("status").textContent = (await r.json()).error; return; }
      S.session.items[S.item].done = true; $("status").textContent = "saved";
      const next = S.session.items.findIndex(i => !i.done);
      if (next < 0) { $("status").textContent = "session complete: thank you"; setMode("summary"); return; }
      S.item = next; S.score = null; S.guess = ""; $("comment").value = ""; S.cx = 0.5; S.cy = 0.5; draw(); blindBar();
    }
    async function showSummary() {
      const t = await (await fetch(api("/api/summary"))).json();
      let h = `<h2>Blind review: the paper's Table 2</h2><table id="summaryTable"><tr><th>Profile</th><th>Output</th><th>Scores</th><th>Accepted (≤ ${t.threshold})</th><th>Mean</th><th>Original picked (chance 50 %)</th></tr>`;
      t.profiles.forEach(p => h += `<tr><td>${esc(p.profile)}</td><td>${esc(p.output)}</td><td>${p.scores}</td><td>${p.acceptance==null?"–":(p.acceptance*100).toFixed(1)+" %"}</td><td>${p.meanScore==null?"–":p.meanScore.toFixed(2)}</td><td>${p.originalPicked==null?"–":(p.originalPicked*100).toFixed(1)+" % of "+p.originalGuesses}</td></tr>`);
      h += "</table>"; const c = t.profiles.flatMap(p => p.comments.map(x => Object.assign({output:p.output}, x)));
      if (c.length) h += "<h3>Comments</h3><ul>" + c.map(x => `<li>${esc(x.output)} · ${esc(x.frame)} · ${x.score} · ${esc(x.reviewer)}: ${esc(x.text)}</li>`).join("") + "</ul>";
      $("summary").innerHTML = h;
    }
    boot();
    </script></body></html>
    """
}
