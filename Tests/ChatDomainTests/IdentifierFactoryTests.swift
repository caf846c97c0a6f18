import Foundation
import Testing

@testable import ChatDomain

struct IdentifierFactoryTests {
    @Test func idsAreAKindLetterAndTwentyFourHexDigitsUniqueAndTimeOrdered() throws {
        let ids = (0..<10_000).map { _ in IdentifierFactory.newMessageID().rawValue }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.count == 25 && id.hasPrefix("m"))
            #expect(id.dropFirst().allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        // The first 12 hex digits are milliseconds: a later id sorts after an earlier one.
        let earlier = IdentifierFactory.newUserID().rawValue
        var later = earlier
        while later.prefix(13) == earlier.prefix(13) { later = IdentifierFactory.newUserID().rawValue }
        #expect(earlier < later)
        // The 48 random bits differ between ids of the same millisecond.
        #expect(Set(ids.map { $0.suffix(12) }).count == ids.count)
    }
}
