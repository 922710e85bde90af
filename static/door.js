// boxoffice, the check-in page: camera scanning as an enhancement. Where the browser
// has a BarcodeDetector and a camera, a "Scan with camera" button appears; a QR code
// seen fills the code field and submits the same form a hand scanner does. Without
// either, nothing changes: the form works as it is. Served from 'self' under the CSP.
(function () {
  "use strict";
  var form = document.querySelector("form.scan");
  var field = document.getElementById("code");
  if (!form || !field || !("BarcodeDetector" in window) ||
      !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  // Some platforms expose the detector without any format: no button there.
  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") >= 0) { enhance(); }
  }, function () {});

  function enhance() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Scan with camera";
    var video = document.createElement("video");
    video.className = "camera";
    video.setAttribute("playsinline", "");
    video.muted = true;
    video.hidden = true;
    form.appendChild(button);
    form.appendChild(video);
    var stream = null;

    function stop() {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      video.hidden = true;
      button.textContent = "Scan with camera";
    }

    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.hidden = false;
          button.textContent = "Stop camera";
          return video.play();
        })
        .then(function look() {
          if (!stream) { return; }
          detector.detect(video).then(function (codes) {
            if (codes.length > 0 && codes[0].rawValue) {
              field.value = codes[0].rawValue;
              stop();
              form.submit();
            } else {
              window.setTimeout(look, 200);
            }
          }, function () { window.setTimeout(look, 500); });
        })
        .catch(function () { stop(); button.textContent = "Camera unavailable"; button.disabled = true; });
    });
  }
})();
