// My data: the export zip, and deleting the account behind a confirmation.
import { $ } from "./dom.js";

export class MyData {
  constructor(root, onDeleted) {
    this.status = $("#export-status", root);
    this.dialog = $("#confirm-delete", root);
    $("#export", root).addEventListener("click", () => this.download());
    $("#delete", root).addEventListener("click", () => this.dialog.showModal());
    this.dialog.addEventListener("close", async () => {
      if (this.dialog.returnValue !== "delete") return;
      try {
        await this.api.deleteAccount();
        onDeleted();
      } catch (error) {
        this.status.textContent = `Not deleted: ${error.message}`;
      }
    });
  }

  open(api) {
    this.api = api;
    this.status.textContent = "";
  }

  async download() {
    this.status.textContent = "Preparing your export…";
    try {
      const { blob, filename } = await this.api.exportZip();
      const link = Object.assign(document.createElement("a"), {
        href: URL.createObjectURL(blob),
        download: filename,
      });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      this.status.textContent = `Downloaded ${filename} (${Math.ceil(blob.size / 1024)} KiB).`;
    } catch (error) {
      this.status.textContent = `No export: ${error.message}`;
    }
  }
}
