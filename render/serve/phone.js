"use strict";
// The visitor's film page on their phone: "delete my film" asks once, then deletes everything kept of
// them (DELETE /f/{id}: their id is the key) and says so.
(() => {
  const button = document.getElementById("delete");
  if (!button) return;
  button.addEventListener("click", async () => {
    if (!window.confirm(button.dataset.confirm)) return;
    button.disabled = true;
    let done = false;
    try {
      const answer = await fetch("/f/" + encodeURIComponent(button.dataset.id), { method: "DELETE" });
      done = answer.status === 204;
    } catch (error) { /* said below */ }
    if (!done) { button.disabled = false; return; }
    for (const element of document.querySelectorAll("video, .actions")) element.remove();
    document.getElementById("said").textContent = button.dataset.deleted;
    document.body.dataset.deleted = "yes";
  });
})();
