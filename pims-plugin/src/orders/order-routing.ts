import { and, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../db/database.js';
import { agents } from '../db/schema.js';

interface Station {
  aeTitle: string;
  modality: string;
}

export type RouteOrder = (order: { stationAeTitle: string | null; modality: string }) => string[];

/**
 * Which agents serve an order: those with its station AE title, else those with a station of its
 * modality; agents that declared no stations serve every order of their site. The site's agents are
 * read once, so routing many orders (a resynchronisation) costs one query.
 */
export async function loadRouting(tx: Tx, siteId: string): Promise<RouteOrder> {
  const rows = await tx
    .select({ id: agents.id, stationsJson: agents.stationsJson })
    .from(agents)
    .where(and(eq(agents.siteId, siteId), isNull(agents.removedAt)));
  const all = rows.map((r) => ({ id: r.id, stations: JSON.parse(r.stationsJson) as Station[] }));
  const catchAll = all.filter((a) => a.stations.length === 0);
  return (order) => {
    const byStation = order.stationAeTitle
      ? all.filter((a) => a.stations.some((s) => s.aeTitle === order.stationAeTitle))
      : [];
    const chosen =
      byStation.length > 0
        ? byStation
        : all.filter((a) => a.stations.some((s) => s.modality === order.modality));
    return [...new Set([...chosen, ...catchAll].map((a) => a.id))];
  };
}
