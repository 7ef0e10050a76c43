/**
 * Distance on a shown image, in millimetres when the image carries Pixel Spacing or Imager Pixel
 * Spacing, scaled from the shown pixels (rendition or preview) to the stored image's; otherwise in
 * pixels of the stored image, labelled uncalibrated.
 */
export interface Spacing {
  row: number;
  column: number;
  source: 'PixelSpacing' | 'ImagerPixelSpacing';
}

export interface Geometry {
  /** The stored image's size. */
  columns: number;
  rows: number;
  /** The size of what is shown (rendition or preview). */
  shownWidth: number;
  shownHeight: number;
  spacing: Spacing | null;
}

export function measureLabel(g: Geometry, dxShown: number, dyShown: number): string {
  const dx = dxShown * (g.columns / g.shownWidth);
  const dy = dyShown * (g.rows / g.shownHeight);
  if (!g.spacing) return `${Math.hypot(dx, dy).toFixed(0)} px (uncalibrated)`;
  const mm = Math.hypot(dx * g.spacing.column, dy * g.spacing.row);
  // Imager Pixel Spacing is at the detector: a projection includes the beam's magnification.
  return g.spacing.source === 'ImagerPixelSpacing'
    ? `${mm.toFixed(1)} mm (at detector)`
    : `${mm.toFixed(1)} mm`;
}
