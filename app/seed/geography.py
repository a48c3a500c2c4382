"""Where bulk hubs sit: real provinces, cities and kecamatan in Indonesia's three time zones.

The OK OCE programme puts a centre in each kecamatan; DKI Jakarta's 44 come first, then
centres spreading across Java and Sumatra (WIB), Bali, Nusa Tenggara, Kalimantan and Sulawesi
(WITA), and Maluku and Papua (WIT).
"""

from __future__ import annotations

from dataclasses import dataclass

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"


@dataclass(frozen=True)
class Place:
    province: str
    city: str
    kecamatan: str
    timezone: str


_AREAS: tuple[tuple[str, str, str, str], ...] = (
    # (time zone, province, city, kecamatan separated by commas)
    (
        WIB,
        "DKI Jakarta",
        "Jakarta Pusat",
        "Gambir,Sawah Besar,Kemayoran,Senen,Cempaka Putih,Menteng,Tanah Abang,Johar Baru",
    ),
    (
        WIB,
        "DKI Jakarta",
        "Jakarta Utara",
        "Penjaringan,Pademangan,Tanjung Priok,Koja,Kelapa Gading,Cilincing",
    ),
    (
        WIB,
        "DKI Jakarta",
        "Jakarta Barat",
        "Cengkareng,Grogol Petamburan,Taman Sari,Tambora,Kebon Jeruk,Kalideres,Palmerah,Kembangan",
    ),
    (
        WIB,
        "DKI Jakarta",
        "Jakarta Selatan",
        "Tebet,Setiabudi,Mampang Prapatan,Pasar Minggu,Kebayoran Lama,Cilandak,Kebayoran Baru,"
        "Pancoran,Jagakarsa,Pesanggrahan",
    ),
    (
        WIB,
        "DKI Jakarta",
        "Jakarta Timur",
        "Matraman,Pulo Gadung,Jatinegara,Kramat Jati,Pasar Rebo,Cakung,Duren Sawit,Makasar,"
        "Ciracas,Cipayung",
    ),
    (WIB, "DKI Jakarta", "Kepulauan Seribu", "Kepulauan Seribu Utara,Kepulauan Seribu Selatan"),
    (
        WIB,
        "Jawa Barat",
        "Kota Bandung",
        "Coblong,Sukajadi,Cicendo,Lengkong,Bandung Wetan,Sumur Bandung,Buahbatu,Kiaracondong",
    ),
    (
        WIB,
        "Jawa Barat",
        "Kota Bekasi",
        "Bekasi Timur,Bekasi Barat,Bekasi Selatan,Bekasi Utara,Rawalumbu,Medan Satria",
    ),
    (WIB, "Jawa Barat", "Kota Bogor", "Bogor Tengah,Bogor Utara,Bogor Selatan,Tanah Sareal"),
    (WIB, "Banten", "Kota Tangerang", "Tangerang,Cipondoh,Karawaci,Ciledug"),
    (WIB, "Banten", "Kota Tangerang Selatan", "Serpong,Pamulang,Ciputat"),
    (
        WIB,
        "Jawa Tengah",
        "Kota Semarang",
        "Semarang Tengah,Semarang Selatan,Candisari,Banyumanik,Tembalang,Gajahmungkur",
    ),
    (WIB, "Jawa Tengah", "Kota Surakarta", "Laweyan,Banjarsari,Jebres,Pasar Kliwon,Serengan"),
    (
        WIB,
        "DI Yogyakarta",
        "Kota Yogyakarta",
        "Gondokusuman,Jetis,Danurejan,Umbulharjo,Kotagede,Mergangsan",
    ),
    (
        WIB,
        "Jawa Timur",
        "Kota Surabaya",
        "Genteng,Tegalsari,Wonokromo,Gubeng,Sukolilo,Rungkut,Tambaksari,Sawahan",
    ),
    (WIB, "Jawa Timur", "Kota Malang", "Klojen,Lowokwaru,Blimbing"),
    (
        WIB,
        "Sumatera Utara",
        "Kota Medan",
        "Medan Kota,Medan Baru,Medan Petisah,Medan Helvetia,Medan Johor",
    ),
    (WIB, "Aceh", "Kota Banda Aceh", "Baiturrahman,Kuta Alam,Syiah Kuala,Meuraxa"),
    (WIB, "Sumatera Barat", "Kota Padang", "Padang Barat,Padang Timur,Padang Utara"),
    (WIB, "Sumatera Selatan", "Kota Palembang", "Ilir Barat I,Ilir Timur I,Seberang Ulu I"),
    (WIB, "Kalimantan Barat", "Kota Pontianak", "Pontianak Kota,Pontianak Selatan"),
    (
        WITA,
        "Bali",
        "Kota Denpasar",
        "Denpasar Barat,Denpasar Timur,Denpasar Selatan,Denpasar Utara",
    ),
    (WITA, "Bali", "Kabupaten Badung", "Kuta,Kuta Utara,Mengwi"),
    (WITA, "Nusa Tenggara Barat", "Kota Mataram", "Mataram,Ampenan,Cakranegara,Selaparang"),
    (WITA, "Nusa Tenggara Timur", "Kota Kupang", "Oebobo,Kelapa Lima,Maulafa"),
    (
        WITA,
        "Sulawesi Selatan",
        "Kota Makassar",
        "Mariso,Mamajang,Ujung Pandang,Panakkukang,Rappocini,Tamalanrea,Biringkanaya",
    ),
    (WITA, "Sulawesi Utara", "Kota Manado", "Wenang,Malalayang,Sario,Tikala"),
    (
        WITA,
        "Kalimantan Timur",
        "Kota Balikpapan",
        "Balikpapan Kota,Balikpapan Selatan,Balikpapan Utara",
    ),
    (WITA, "Kalimantan Timur", "Kota Samarinda", "Samarinda Ulu,Samarinda Ilir,Sungai Kunjang"),
    (WITA, "Kalimantan Selatan", "Kota Banjarmasin", "Banjarmasin Tengah,Banjarmasin Utara"),
    (WIT, "Papua", "Kota Jayapura", "Jayapura Utara,Jayapura Selatan,Abepura,Heram,Muara Tami"),
    (WIT, "Maluku", "Kota Ambon", "Sirimau,Nusaniwe,Baguala,Teluk Ambon"),
    (WIT, "Maluku Utara", "Kota Ternate", "Ternate Selatan,Ternate Utara,Ternate Tengah"),
    (WIT, "Papua Barat", "Kabupaten Manokwari", "Manokwari Barat,Manokwari Timur"),
    (WIT, "Papua Barat Daya", "Kota Sorong", "Sorong,Sorong Manoi,Sorong Timur"),
    (WIT, "Papua Selatan", "Kabupaten Merauke", "Merauke"),
)

PLACES: dict[str, list[Place]] = {
    zone: [
        Place(province, city, kecamatan, zone)
        for z, province, city, names in _AREAS
        if z == zone
        for kecamatan in names.split(",")
    ]
    for zone in (WIB, WITA, WIT)
}


def hub_places(count: int) -> list[tuple[Place, int]]:
    """Where `count` hubs sit, and each one's number within its kecamatan (1, 2, ...).

    Every fifth hub is in WITA and every tenth in WIT (the rest WIB), so even three hubs span
    two zones and ten span all three; each zone's kecamatan are taken in order, then again.
    """
    taken = {zone: 0 for zone in PLACES}
    places: list[tuple[Place, int]] = []
    for h in range(count):
        zone = {4: WITA, 9: WIT}.get(h % 10, WIB)
        n = taken[zone]
        taken[zone] += 1
        pool = PLACES[zone]
        places.append((pool[n % len(pool)], n // len(pool) + 1))
    return places
