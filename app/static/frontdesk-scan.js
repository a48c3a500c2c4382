/* Front-desk scan box. A USB keyboard-wedge scanner types the code into the focused field and
   presses Enter; we post it with fetch and swap in the verdict, then clear and refocus the field
   for the next person. "Use camera" reads QR codes from the webcam with the vendored jsQR.
   Without JavaScript the form posts normally and the page comes back with the verdict. */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var input = form.querySelector("input[name=token]");
  var result = document.getElementById("scan-result");
  var cameraButton = document.getElementById("scan-camera");
  var cameraBox = document.getElementById("scan-camera-box");
  var video = document.getElementById("scan-video");
  var cameraStatus = document.getElementById("scan-camera-status");
  var busy = false;

  function ready() {
    input.value = "";
    input.focus();
  }

  function beep(granted) {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      var audio = beep.audio || (beep.audio = new Context());
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = granted ? 880 : 220;
      tone.type = granted ? "sine" : "square";
      gain.gain.value = 0.08;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + (granted ? 0.15 : 0.45));
    } catch (ignored) { /* sound is a nicety */ }
  }

  function submitCode() {
    if (busy) { return; }
    if (!input.value) { form.submit(); return; }  // the server words the empty-field message
    busy = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        result.innerHTML = data.html;
        if (data.granted !== null) { beep(data.granted); }
      }, function () {
        form.submit();  // let the normal POST show what went wrong
      })
      .then(function () { busy = false; ready(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitCode();
  });

  // Keep the field ready for the scanner: after clicks elsewhere on the box, focus comes back.
  result.addEventListener("click", ready);

  // -- webcam ------------------------------------------------------------------------------
  var media = navigator.mediaDevices;
  if (!media || !media.getUserMedia || !cameraButton) { return; }
  cameraButton.hidden = false;
  var stream = null;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var lastText = "";
  var lastAt = 0;
  var SAME_CODE_MS = 4000;
  var startLabel = cameraButton.textContent;

  function loadDecoder() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = form.dataset.jsqr;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    cameraBox.hidden = true;
    cameraButton.textContent = startLabel;
    cameraButton.setAttribute("aria-pressed", "false");
    ready();
  }

  function frame() {
    if (!stream) { return; }
    if (video.readyState >= 2 && video.videoWidth) {
      var width = Math.min(video.videoWidth, 640);
      var height = Math.round(video.videoHeight * width / video.videoWidth);
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      var code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
        { inversionAttempts: "dontInvert" });
      var now = Date.now();
      if (code && code.data && !busy && (code.data !== lastText || now - lastAt > SAME_CODE_MS)) {
        lastText = code.data;
        lastAt = now;
        input.value = code.data;
        submitCode();
      }
    }
    window.setTimeout(function () { window.requestAnimationFrame(frame); }, 120);
  }

  cameraButton.addEventListener("click", function () {
    if (stream) { stopCamera(); return; }
    loadDecoder()
      .then(function () {
        return media.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      })
      .then(function (opened) {
        stream = opened;
        video.srcObject = stream;
        cameraBox.hidden = false;
        cameraButton.textContent = cameraButton.dataset.stopLabel;
        cameraButton.setAttribute("aria-pressed", "true");
        return video.play();
      })
      .then(frame, function (error) {
        cameraBox.hidden = false;
        cameraStatus.textContent = cameraButton.dataset.failed + " (" + (error && error.name || error) + ")";
        stream = null;
      });
  });
}());
