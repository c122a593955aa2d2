"""Where a dashboard's work was done, against the zones' targets: the busiest and quietest
zones, the coverage of targets and the bars by zone. The zones are few (hundreds), so they
are read whole and walked here; the work per zone comes summed from SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from models.zones import Zone
from reports.figures import Progress, Scope, ZoneWork

# How many zones the busiest and quietest lists name.
RANKED = 3
MEASURES = (("doors", "doors_knocked", "target_doors"), ("leaflets", "leaflets", "target_leaflets"))


ZONES = select(
    Zone.id, Zone.code, Zone.name, Zone.parent_id, Zone.target_doors, Zone.target_leaflets
)


@dataclass
class ZoneRow:
    id: int
    code: str
    name: str
    parent_id: int | None
    target_doors: int | None
    target_leaflets: int | None


class Places:
    """Where the work was done, against the zones' targets. The zones looked at are the
    scope's zone (and its subtree), every zone for the whole campaign, or the zones worked in
    for a team or a mission. Work in a zone counts for each zone above it too."""

    def __init__(
        self,
        zones: dict[int, ZoneRow],
        scope: Scope,
        own_work: dict[int, dict[str, int]],
        worked: set[int],
    ) -> None:
        self.zones = zones
        children: dict[int, list[int]] = {}
        for zone in zones.values():
            if zone.parent_id is not None:
                children.setdefault(zone.parent_id, []).append(zone.id)
        if scope.zone_id is not None:
            self.looked_at = {scope.zone_id} & set(zones)
            if scope.with_subzones:
                todo = list(self.looked_at)
                while todo:
                    for child in children.get(todo.pop(), []):
                        if child not in self.looked_at:
                            self.looked_at.add(child)
                            todo.append(child)
        elif scope.team_id is None and scope.mission_id is None:
            self.looked_at = set(zones)
        else:
            self.looked_at = worked & set(zones)
        self.work: dict[int, dict[str, int]] = {}
        for zone_id, done in own_work.items():
            for above in self._ancestry(zone_id):
                rolled = self.work.setdefault(above, {})
                for name, value in done.items():
                    rolled[name] = rolled.get(name, 0) + value
        # The finest zones worked in or aimed at: none of them lies above another.
        marked = {z for z in self.looked_at if z in worked or self._targeted(z)}
        above_marked = {a for z in marked for a in self._ancestry(z)[1:]}
        self.units = sorted(marked - above_marked, key=lambda z: (zones[z].name, z))

    def _ancestry(self, zone_id: int) -> list[int]:
        """The zone, its parent, and so on up (a cycle in bad data stops the walk)."""
        chain: list[int] = []
        current: int | None = zone_id
        while current is not None and current in self.zones and current not in chain:
            chain.append(current)
            current = self.zones[current].parent_id
        return chain

    def _targeted(self, zone_id: int) -> bool:
        zone = self.zones[zone_id]
        return bool(zone.target_doors or zone.target_leaflets)

    def _done(self, zone_id: int, name: str) -> int:
        return self.work.get(zone_id, {}).get(name, 0)

    def _zone_work(self, zone_id: int) -> ZoneWork:
        zone = self.zones[zone_id]
        return ZoneWork(
            zone_id=zone.id,
            code=zone.code,
            name=zone.name,
            doors_knocked=self._done(zone_id, "doors_knocked"),
            leaflets=self._done(zone_id, "leaflets"),
            target_doors=zone.target_doors,
            target_leaflets=zone.target_leaflets,
        )

    def _amount(self, zone_id: int) -> int:
        return self._done(zone_id, "doors_knocked") + self._done(zone_id, "leaflets")

    def busiest(self) -> tuple[ZoneWork, ...]:
        ranked = sorted((z for z in self.units if self._amount(z)), key=lambda z: -self._amount(z))
        return tuple(self._zone_work(z) for z in ranked[:RANKED])

    def quietest(self) -> tuple[ZoneWork, ...]:
        busiest = {w.zone_id for w in self.busiest()}
        ranked = sorted((z for z in self.units if z not in busiest), key=self._amount)
        return tuple(self._zone_work(z) for z in ranked[:RANKED])

    def coverage(self) -> tuple[Progress, ...]:
        """Per measure, the targets of the topmost zones that have one, against the work
        done under them: a commune's target and its bureaux' are never added together."""
        found = []
        for measure, done_name, target_name in MEASURES:
            aimed = [z for z in self.looked_at if getattr(self.zones[z], target_name)]
            aimed_set = set(aimed)
            top = [z for z in aimed if not aimed_set.intersection(self._ancestry(z)[1:])]
            if top:
                target = sum(getattr(self.zones[z], target_name) for z in top)
                done = sum(self._done(z, done_name) for z in top)
                found.append(Progress("", measure, done, target))
        return tuple(found)

    def progress(self) -> tuple[Progress, ...]:
        """One bar per zone and measure with a target, among the finest zones looked at."""
        return tuple(
            Progress(self.zones[z].name, measure, self._done(z, done_name), target)
            for z in self.units
            for measure, done_name, target_name in MEASURES
            if (target := getattr(self.zones[z], target_name))
        )
