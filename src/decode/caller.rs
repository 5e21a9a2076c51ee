//! The opaque `caller` an adapter makes of the number an ACD logs: callboard never needs the number
//! itself, so adapters keep only a stable pseudonym of it — `h` and 16 hex digits of a 64-bit FNV-1a hash
//! of its digits (`+1 (555) 010-0101` and `15550100101` are one caller). A pseudonym, not anonymity: a
//! number can be found again by hashing candidates, so the API and board that show it are for staff.

use super::adapter::fnv1a;
use crate::event::Id;

/// Numbers with fewer digits are withheld or internal (`anonymous`, `unknown`, an extension): no caller.
const FEWEST_DIGITS: usize = 5;

/// The caller of a logged number, when it has enough digits to be one.
pub fn pseudonym(number: &str) -> Option<Id> {
    let digits: Vec<u8> = number.bytes().filter(u8::is_ascii_digit).collect();
    (digits.len() >= FEWEST_DIGITS).then(|| Id::from(format!("h{:016x}", fnv1a(&digits))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_written_two_ways_is_one_caller_and_withheld_numbers_are_none() {
        let one = pseudonym("+1 (555) 010-0101").unwrap();
        assert_eq!(Some(one.clone()), pseudonym("15550100101"));
        assert_ne!(Some(one.clone()), pseudonym("15550100102"));
        assert!(one.starts_with('h') && one.len() == 17, "{one}");
        for withheld in ["", "anonymous", "unknown", "1234"] {
            assert_eq!(pseudonym(withheld), None, "{withheld}");
        }
    }

    #[test]
    fn the_hash_is_fnv_1a_64_of_the_digits() {
        // Worked out in Python (whose FNV-1a 64 of "a" gives the published 0xaf63dc4c8601ec8c).
        assert_eq!(pseudonym("1-2-3-4-5").unwrap(), "he575e8883c0f89f8");
    }
}
