//! `is_prime` against an independent oracle: deterministic Miller–Rabin.

use primes::{NUMBERS, is_prime};

/// The book's `PRIME_FIXTURE`: each number and whether it is prime.
const PRIME_FIXTURE: [(u64, bool); 20] = [
    (2, true),
    (142_702_110_479_723, true),
    (299_593_572_317_531, true),
    (3_333_333_333_333_301, true),
    (3_333_333_333_333_333, false),
    (3_333_335_652_092_209, false),
    (4_444_444_444_444_423, true),
    (4_444_444_444_444_444, false),
    (4_444_444_488_888_889, false),
    (5_555_553_133_149_889, false),
    (5_555_555_555_555_503, true),
    (5_555_555_555_555_555, false),
    (6_666_666_666_666_666, false),
    (6_666_666_666_666_719, true),
    (6_666_667_141_414_921, false),
    (7_777_777_536_340_681, false),
    (7_777_777_777_777_753, true),
    (7_777_777_777_777_777, false),
    (9_999_999_999_999_917, true),
    (9_999_999_999_999_999, false),
];

fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    // u128 holds any product of two u64s: no overflow, no cleverness.
    (u128::from(a) * u128::from(b) % u128::from(m)) as u64
}

fn pow_mod(mut base: u64, mut exp: u64, m: u64) -> u64 {
    let mut result = 1;
    base %= m;
    while exp > 0 {
        if exp & 1 == 1 {
            result = mul_mod(result, base, m);
        }
        base = mul_mod(base, base, m);
        exp >>= 1;
    }
    result
}

/// Miller–Rabin with the first 12 primes as bases: deterministic for every u64.
fn miller_rabin(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    if let Some(&p) = BASES.iter().find(|&&p| n % p == 0) {
        return n == p;
    }
    // n - 1 = d · 2^s with d odd.
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    'bases: for a in BASES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

#[test]
fn numbers_are_the_books_fixture() {
    let fixture: Vec<u64> = PRIME_FIXTURE.iter().map(|&(n, _)| n).collect();
    assert_eq!(NUMBERS.to_vec(), fixture);
}

#[test]
fn the_oracle_agrees_with_the_fixture() {
    for (n, prime) in PRIME_FIXTURE {
        assert_eq!(miller_rabin(n), prime, "{n}");
    }
}

#[test]
fn is_prime_agrees_with_the_fixture() {
    for (n, prime) in PRIME_FIXTURE {
        assert_eq!(is_prime(n), prime, "{n}");
    }
}

#[test]
fn is_prime_agrees_with_the_oracle_below_10_000() {
    for n in 0..10_000 {
        assert_eq!(is_prime(n), miller_rabin(n), "{n}");
    }
    assert_eq!((0..10_000).filter(|&n| is_prime(n)).count(), 1229);
}

#[test]
fn is_prime_agrees_with_the_oracle_near_10_to_the_12() {
    // Large enough that √n matters; 999_983² is the square of the largest
    // prime below 10⁶: trial division must try √n itself.
    let start = 1_000_000_000_000;
    for n in (start..start + 200).chain([999_983 * 999_983, 999_983 * 999_979]) {
        assert_eq!(is_prime(n), miller_rabin(n), "{n}");
    }
}
