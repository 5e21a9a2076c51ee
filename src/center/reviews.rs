//! An agent's latest quality reviews, for "the mean of the last N reviews": the `KEPT` latest by review
//! time (and call, at one instant), so the figure does not depend on the order reviews arrive in.

use crate::event::{Id, Millis};

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecentReviews {
    /// (time, call, score / max score), the latest `KEPT` at most, in no order.
    kept: Vec<(Millis, Id, f64)>,
}

impl RecentReviews {
    /// How many reviews the recent mean is over.
    pub const KEPT: usize = 5;

    pub fn scored(&mut self, time: Millis, call: &Id, ratio: f64) {
        self.kept.push((time, call.clone(), ratio));
        if self.kept.len() > Self::KEPT {
            let oldest = (0..self.kept.len()).min_by(|a, b| {
                let (a, b) = (&self.kept[*a], &self.kept[*b]);
                (a.0, &a.1).cmp(&(b.0, &b.1))
            });
            if let Some(oldest) = oldest {
                self.kept.swap_remove(oldest);
            }
        }
    }

    /// The mean score ratio of the latest `KEPT` reviews (of fewer when there were fewer); `None`
    /// without any.
    pub fn mean(&self) -> Option<f64> {
        let sum: f64 = self.kept.iter().map(|(_, _, ratio)| ratio).sum();
        (!self.kept.is_empty()).then(|| sum / self.kept.len() as f64)
    }

    pub fn count(&self) -> usize {
        self.kept.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_is_over_the_latest_five_whatever_the_order() {
        // Seven reviews at minutes 1..=7 scoring 0.1..=0.7: the latest five are 0.3..=0.7, mean 0.5.
        let reviews: Vec<(Millis, Id, f64)> = (1..=7)
            .map(|minute| {
                (
                    minute * 60_000,
                    Id::from(format!("c{minute}").as_str()),
                    minute as f64 / 10.0,
                )
            })
            .collect();
        for order in [
            vec![0, 1, 2, 3, 4, 5, 6],
            vec![6, 5, 4, 3, 2, 1, 0],
            vec![3, 0, 6, 1, 5, 2, 4],
        ] {
            let mut recent = RecentReviews::default();
            for index in order {
                let (time, call, ratio) = &reviews[index];
                recent.scored(*time, call, *ratio);
            }
            assert_eq!(recent.count(), 5);
            assert!((recent.mean().unwrap() - 0.5).abs() < 1e-6);
        }
        assert_eq!(RecentReviews::default().mean(), None);
    }
}
