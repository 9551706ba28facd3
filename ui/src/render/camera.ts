/**
 * Zoom and pan: screen = world * scale + (x, y), in CSS pixels.
 */
export class Camera {
  x = 0;
  y = 0;
  scale = 1;
  static readonly MIN_SCALE = 0.002;
  static readonly MAX_SCALE = 3;

  toWorld(screenX: number, screenY: number): [number, number] {
    return [(screenX - this.x) / this.scale, (screenY - this.y) / this.scale];
  }

  toScreen(worldX: number, worldY: number): [number, number] {
    return [worldX * this.scale + this.x, worldY * this.scale + this.y];
  }

  /** Zooms by `factor` keeping the world point under (screenX, screenY) in place. */
  zoomAt(screenX: number, screenY: number, factor: number): void {
    const next = Math.min(Camera.MAX_SCALE, Math.max(Camera.MIN_SCALE, this.scale * factor));
    const [wx, wy] = this.toWorld(screenX, screenY);
    this.scale = next;
    this.x = screenX - wx * next;
    this.y = screenY - wy * next;
  }

  pan(dx: number, dy: number): void {
    this.x += dx;
    this.y += dy;
  }

  /** Shows `rect` whole and centred, at most at `maxScale`. */
  fit(rect: { x: number; y: number; width: number; height: number }, viewWidth: number, viewHeight: number, maxScale: number): void {
    const margin = 32;
    const scale = Math.min(
      maxScale,
      (viewWidth - margin * 2) / Math.max(rect.width, 1),
      (viewHeight - margin * 2) / Math.max(rect.height, 1),
    );
    this.scale = Math.max(Camera.MIN_SCALE, scale);
    this.x = viewWidth / 2 - (rect.x + rect.width / 2) * this.scale;
    this.y = viewHeight / 2 - (rect.y + rect.height / 2) * this.scale;
  }

  /** Centres a world point, zooming in to at least `minScale`. */
  center(worldX: number, worldY: number, viewWidth: number, viewHeight: number, minScale: number): void {
    this.scale = Math.max(this.scale, minScale);
    this.x = viewWidth / 2 - worldX * this.scale;
    this.y = viewHeight / 2 - worldY * this.scale;
  }
}
